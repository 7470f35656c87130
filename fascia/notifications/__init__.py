"""Every message a person receives goes out through `fascia.notifications.services.send()`."""
