#!/usr/bin/env python
import os
import secrets
import sys

# Commands that read models and files but never sign, hash or serve anything: they may run without a
# SECRET_KEY (a throwaway one is set for the process), so `makemigrations --check` works on a bare checkout.
NO_SECRET_NEEDED = {"makemigrations", "makemessages", "compilemessages"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parkportal.settings")
    if len(sys.argv) > 1 and sys.argv[1] in NO_SECRET_NEEDED and not os.environ.get("SECRET_KEY"):
        os.environ["SECRET_KEY"] = "unused-" + secrets.token_urlsafe(40)
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        from django.conf import settings

        _ = settings.INSTALLED_APPS  # load the settings now, so a missing variable is one clear line
    except ImproperlyConfigured as error:
        sys.exit(f"manage.py: {error}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
