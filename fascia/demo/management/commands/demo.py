from django.core.management.base import BaseCommand, CommandError, CommandParser

from fascia.demo.loader import DEMO_LOGINS, DEMO_PASSWORD, DemoRefused, load_demo
from fascia.demo.portal import PORTAL_PATIENT


class Command(BaseCommand):
    help = "Load the synthetic demo clinic (once; running it again changes nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the demo logins.")

    def handle(self, *args: object, **options: object) -> None:
        try:
            loaded = load_demo()
        except DemoRefused as e:
            raise CommandError(str(e)) from None
        self.stdout.write("Demo clinic loaded." if loaded else "Demo clinic already loaded; nothing changed.")
        if not options["quiet_logins"]:
            self.stdout.write(f"\nDemo logins (password for each: {DEMO_PASSWORD}):")
            for username, role in DEMO_LOGINS:
                self.stdout.write(f"  {username:<10} {role}")
            email, name = PORTAL_PATIENT["email"], f"{PORTAL_PATIENT['given_name']} {PORTAL_PATIENT['family_name']}"
            self.stdout.write(f"Patient portal, at /my/login/ (same password):\n  {email}  {name}, a patient")
            self.stdout.write("")
