"""Organizer accounts. Supporters never log in; only organizers have a User row."""

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _


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
