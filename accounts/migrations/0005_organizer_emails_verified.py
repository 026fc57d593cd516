"""Each organizer's address becomes their verified, primary allauth email (as organizer_save now
records it), so a later change of login email waits for the new address's verification."""

from django.db import migrations


def vouch(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    for user in User.objects.exclude(email="").exclude(emailaddress__verified=True).iterator():
        EmailAddress.objects.filter(user=user).update(primary=False)
        EmailAddress.objects.update_or_create(
            user=user, email__iexact=user.email, defaults={"email": user.email, "verified": True, "primary": True}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_audit_admin_edits"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [migrations.RunPython(vouch, migrations.RunPython.noop)]
