"""Creates (or updates) the provider's client and users from a JSON document."""

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from oauth2_provider.models import Application


class Command(BaseCommand):
    help = "Seed the test provider: client id/secret, redirect URIs, users."

    def add_arguments(self, parser):
        parser.add_argument("document")

    def handle(self, *args, document, **options):
        data = json.loads(document)
        client = data["client"]
        application = Application.objects.filter(client_id=client["id"]).first()
        application = application or Application(client_id=client["id"])
        application.name = "CM-portalen (test)"
        application.client_type = Application.CLIENT_CONFIDENTIAL
        application.authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
        application.algorithm = Application.RS256_ALGORITHM
        application.skip_authorization = True
        application.client_secret = client["secret"]
        application.redirect_uris = " ".join(client["redirect_uris"])
        application.post_logout_redirect_uris = " ".join(client.get("post_logout_uris", []))
        application.save()
        User = get_user_model()
        for person in data.get("users", []):
            user, _created = User.objects.get_or_create(username=person["username"])
            user.email = person["email"]
            user.set_password(person["password"])
            user.save()
