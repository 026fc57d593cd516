from django.apps import AppConfig


class SignupsConfig(AppConfig):
    name = "signups"
    verbose_name = "Sign-ups"

    def ready(self):
        from . import emails, outbox, personal_data
        from .models import Submission

        outbox.register("confirmation", render=emails.render_confirmation, on_sent=emails.confirmation_sent)
        outbox.register("change_confirmation", render=emails.render_change_confirmation)
        # Submissions hold the email as typed until they are pruned; a data request finds them
        # by address (those of a person never created, too: a stranger's typo, say).
        personal_data.register(Submission.objects.with_email)
