"""One transport per channel: how a person is addressed on it and how a message leaves.

SMS (or any other channel) is one more subclass and one more entry in TRANSPORTS.
"""

from typing import Any

from django.core.mail import EmailMultiAlternatives

from fascia.notifications.models import Notification


class Transport:
    channel: str

    def address(self, person: Any) -> str:
        """The person's address on this channel, or "" when they have none."""
        raise NotImplementedError

    def deliver(self, notification: Notification) -> None:
        """Hand the message over; raise if it could not be."""
        raise NotImplementedError


class EmailTransport(Transport):
    channel = Notification.Channel.EMAIL

    def address(self, person: Any) -> str:
        return person.email

    def deliver(self, notification: Notification) -> None:
        message = EmailMultiAlternatives(
            subject=notification.subject, body=notification.body, to=notification.to, cc=notification.cc
        )
        if notification.html:
            message.attach_alternative(notification.html, "text/html")
        for attachment in notification.attachments:
            message.attach(attachment["name"], attachment["content"], attachment["mimetype"])
        message.send()


TRANSPORTS: dict[str, Transport] = {Notification.Channel.EMAIL: EmailTransport()}
