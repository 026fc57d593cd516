"""Organizer accounts and what they were shown. Supporters never log in; only organizers have a User row.

The bottom of the dependency chain: every app may ask an organizer's ``scope``
(``accounts.scope``); this app imports none of them.
"""

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken
from knox.settings import CONSTANTS

from .scope import Scope


class UserManager(BaseUserManager):
    """Creates users keyed by email, since the model has no username."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An organizer needs an email address.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def covering(self, state: str):
        """Active organizers whose scope includes ``state`` (those a candidate there can be assigned to)."""
        return self.filter(models.Q(all_states=True) | models.Q(states__contains=[state]), is_active=True)


class User(AbstractUser):
    """An organizer who logs in by email to see coverage and the people behind it."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(
        _("email address"), unique=True, help_text=_("Login and contact address of the organizer.")
    )
    name = models.CharField(
        _("name"), max_length=150, blank=True, help_text=_("How the organizer is shown to colleagues.")
    )
    states = ArrayField(
        models.CharField(max_length=2),
        default=list,
        blank=True,
        help_text=_("USPS codes of the states whose supporters this organizer may see."),
    )
    all_states = models.BooleanField(default=False, help_text=_("May see every state, and the national figures."))

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    def __str__(self):
        return self.email

    @property
    def scope(self) -> Scope:
        """What this organizer may see (``accounts.scope``)."""
        return Scope.of(self)


class AuditEvent(models.Model):
    """One disclosure of supporters' personal data to an organizer: a page, an export, an API
    answer or an admin page that showed people, or a data request carried out; or one record
    added, changed or deleted in the Django admin (``accounts.admin_mixins``).

    It says who, when, how, what and how many, never whom: the resource is a label
    made of primary keys and district codes, the filters are the parsed values of
    known parameters (choices, dates, state codes), never text an organizer typed, and
    an admin edit names the fields it changed, never their old or new values.
    So the log holds no personal data of supporters and outlives their deletion.
    """

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed a page")
        EXPORT = "export", _("Exported a CSV")
        API = "api", _("API answer")
        ADMIN = "admin", _("Admin page")
        EXPORT_DATA = "export-data", _("Data request: export")
        DELETE = "delete", _("Data request: delete")
        ADMIN_ADD = "admin-add", _("Admin: added")
        ADMIN_CHANGE = "admin-change", _("Admin: changed")
        ADMIN_DELETE = "admin-delete", _("Admin: deleted")

    user = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="audit_events",
        # PROTECT: an organizer with a history is deactivated, never deleted, so the log keeps saying who.
        help_text=_("Organizer who was shown the data."),
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True, help_text=_("When the data was shown."))
    action = models.CharField(max_length=12, choices=Action.choices, help_text=_("How the data was shown."))
    resource = models.CharField(
        max_length=200,
        help_text=_("What was shown, by key: 'district sldl 36012', 'signup 123', 'people'."),
    )
    filters = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("Parsed filters of a list or export (known parameters only), e.g. {'state': 'NY'}."),
    )
    count = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("How many people were shown or exported; null when not known.")
    )
    fields = ArrayField(
        models.CharField(max_length=200),
        default=list,
        blank=True,
        help_text=_("Fields an admin edit changed, as the admin names them (never their values)."),
    )

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["user", "-at"]), models.Index(fields=["action", "-at"])]

    def __str__(self):
        return f"{self.action} {self.resource}"


class ApiToken(AbstractAuthToken):
    """A key an organizer's script sends (``Authorization: Token <key>``) to read the organizer API as them.

    The key itself is never stored: ``digest`` is its SHA-512 hash (django-rest-knox), so
    a copy of the table authenticates nobody; the key is shown once, when it is made.
    ``token_key`` (its first 15 characters) only narrows the lookup. A token stops
    working at ``expiry`` and when its organizer deletes it (revoke).
    """

    # knox's fields, repeated only to say what they hold.
    digest = models.CharField(
        max_length=CONSTANTS.DIGEST_LENGTH, primary_key=True, help_text=_("SHA-512 hash of the key (hex).")
    )
    token_key = models.CharField(
        max_length=CONSTANTS.MAXIMUM_TOKEN_PREFIX_LENGTH + CONSTANTS.TOKEN_KEY_LENGTH,
        db_index=True,
        help_text=_("First characters of the key, to find the row whose digest to compare."),
    )
    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="auth_token_set",  # the name knox looks expired tokens up by
        help_text=_("Organizer the token acts as."),
    )
    created = models.DateTimeField(auto_now_add=True, help_text=_("When the token was made."))
    expiry = models.DateTimeField(help_text=_("When the token stops working."))
    name = models.CharField(
        _("name"), max_length=100, help_text=_("What the organizer calls this token: the script or machine using it.")
    )

    class Meta:
        ordering = ["-created"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.user})"
