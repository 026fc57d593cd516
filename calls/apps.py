from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "calls"
    verbose_name = "Call teams"

    def ready(self):
        from signups import outbox

        from . import emails

        outbox.register("caller_invitation", render=emails.render_invitation, on_sent=emails.invitation_sent)
