import uuid

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.utils import translation
from django.views.decorators.debug import sensitive_variables

from iuc_portal.mail.services import queue_rendered_email

from .language import set_language_cookie
from .models import User


def recipient_language(email: str, context: dict) -> str:
    user = context.get("user") or User.objects.filter(email__iexact=email).first()
    if user is not None and getattr(user, "language", "") in dict(settings.LANGUAGES):
        return user.language
    return translation.get_language() or "en"


class AccountAdapter(DefaultAccountAdapter):
    """Account e-mails (verification, password reset) go through the outbox too.

    Every one of them is queued `sensitive`: allauth's e-mails carry (or may carry)
    a password-reset or verification link or a login code, so no page shows their
    body and the outbox erases it once the e-mail is sent or given up.
    """

    @sensitive_variables("context", "message", "html")
    def send_mail(self, template_prefix, email, context):
        # Written in the recipient's own language, whatever language the request was in.
        language = recipient_language(email, context)
        # As allauth's own send_mail: the templates greet from `current_site`.
        request = allauth_context.request
        context = {"request": request, "email": email,
                   "current_site": get_current_site(request), **context}
        with translation.override(language):
            message = self.render_mail(template_prefix, email, context)
        html = next(
            (
                body
                for body, mimetype in getattr(message, "alternatives", [])
                if mimetype == "text/html"
            ),
            "",
        )
        queue_rendered_email(
            to=email,
            subject=message.subject,
            body_text=message.body,
            body_html=html,
            language=language,
            template=template_prefix,
            idempotency_key=f"account:{template_prefix}:{uuid.uuid4()}",
            sensitive=True,
        )

    def post_login(self, request, user, **kwargs):
        # The portal opens in the language the person chose last time, and the
        # "signed in" message is already written in it.
        if user.language not in dict(settings.LANGUAGES):
            return super().post_login(request, user, **kwargs)
        with translation.override(user.language):
            response = super().post_login(request, user, **kwargs)
        set_language_cookie(response, user.language)
        return response

    def save_user(self, request, user, form, commit=True):
        # Remember the language the official signed up in: their e-mails use it.
        user.language = (translation.get_language() or "en")[:2]
        return super().save_user(request, user, form, commit=commit)
