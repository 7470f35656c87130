from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "fascia.referrals"
    label = "referrals"
    verbose_name = "Referrals and correspondence"

    def ready(self) -> None:
        from fascia.core import roles
        from fascia.patients import chart
        from fascia.referrals.queries import chart_context

        chart.register(
            order=30,
            title="Referrals and correspondence",
            template="referrals/_chart_section.html",
            permission=roles.VIEW_REFERRAL,
            context=chart_context,
        )
