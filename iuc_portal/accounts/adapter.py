import uuid

from allauth.account.adapter import DefaultAccountAdapter
from django.utils import translation
from django.views.decorators.debug import sensitive_variables

from iuc_portal.mail.services import queue_rendered_email


class AccountAdapter(DefaultAccountAdapter):
    """Account e-mails (verification, password reset) go through the outbox too.

    Every one of them is queued `sensitive`: allauth's e-mails carry (or may carry)
    a password-reset or verification link or a login code, so no page shows their
    body and the outbox erases it once the e-mail is sent or given up.
    """

    @sensitive_variables("context", "message", "html")
    def send_mail(self, template_prefix, email, context):
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
            language=translation.get_language() or "en",
            template=template_prefix,
            idempotency_key=f"account:{template_prefix}:{uuid.uuid4()}",
            sensitive=True,
        )

    def save_user(self, request, user, form, commit=True):
        # Remember the language the official signed up in: their e-mails use it.
        user.language = (translation.get_language() or "en")[:2]
        return super().save_user(request, user, form, commit=commit)
