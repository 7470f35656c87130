from django.core.management.base import BaseCommand, CommandError, CommandParser

from fascia.core.models import User
from fascia.core.services import create_api_token


class Command(BaseCommand):
    help = "Create a bearer token for the JSON API, acting as USERNAME (with that user's role)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="What the token is for, e.g. 'intake tablet'.")

    def handle(self, *args: object, username: str, name: str, **options: object) -> None:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}.")
        _, secret = create_api_token(actor=None, user=user, name=name)
        self.stdout.write("Token created. It is shown once; store it in the integration's secret store:")
        self.stdout.write(secret)
