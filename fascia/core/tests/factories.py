import factory

from fascia.core.models import Organization


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    legal_name = factory.Sequence(lambda n: f"Other Clinic {n}")
    tax_id = "98-7654321"
    group_npi = "1134296023"
