"""allauth's words that the portal's account pages show, translated in the portal's own
catalogue, which Django reads before allauth's.

allauth's Portuguese is European ("palavra-passe", "inscrever-se"); the portal writes
Brazilian Portuguese, read by officials on both sides of the Atlantic. Spanish and
French keep allauth's wording. Listed here so that `makemessages` keeps them.
"""

from django.utils.translation import gettext_noop

WORDS = [
    gettext_noop("Password"),
    gettext_noop("Password (again)"),
    gettext_noop("Current Password"),
    gettext_noop("New Password"),
    gettext_noop("New Password (again)"),
    gettext_noop("Change Password"),
    gettext_noop("Password Reset"),
    gettext_noop("The email address and/or password you specified are not correct."),
    gettext_noop("Remember Me"),
    gettext_noop("Email"),
    gettext_noop("Email address"),
    gettext_noop("Sign Up"),
    # Messages after an account action.
    gettext_noop("You have signed out."),
    gettext_noop("Password successfully changed."),
    gettext_noop("Password successfully set."),
    gettext_noop("Your primary email address must be verified."),
    gettext_noop("Primary email address set."),
    gettext_noop("A new set of recovery codes has been generated."),
    gettext_noop("Save them  in a secure location now — they won't be shown again."),
]
