"""``footfall db grant-app-user``: as the database's administrator, migrate and make the
user of FOOTFALL_DATABASE_URL the application role (store/postgres/roles.py); also run
by ``footfall serve`` first when FOOTFALL_DATABASE_ADMIN_SECRET is set."""

from __future__ import annotations

import typer

from footfall.config import Settings, load_settings, weak_secret_reason
from footfall.errors import ConfigError, FootfallError

db_app = typer.Typer(no_args_is_help=True, help="The database's roles and schema.")


def grant_app_user_for(settings: Settings) -> str:
    """The step itself: the application role's name."""
    from footfall.store.postgres.password import FixedPassword, Password, SecretPassword
    from footfall.store.postgres.roles import admin_credentials, grant_app_role

    password: Password = (
        SecretPassword(settings.database_password_secret)
        if settings.database_password_secret
        else FixedPassword(settings.database_password)
    )
    # The role's password is set from it: a placeholder (Terraform's without
    # generate_secrets) or a weak value is refused as a secret key is.
    if reason := weak_secret_reason(password.current()):
        raise ConfigError(
            f"the application role's password (FOOTFALL_DATABASE_PASSWORD_SECRET) {reason};"
            " put a random one of 32+ characters into the secret"
        )
    admin = admin_credentials(settings.database_admin_secret)
    return grant_app_role(settings.database_url, password, admin)


@db_app.command("grant-app-user")
def grant_app_user() -> None:
    """Migrate as the administrator (FOOTFALL_DATABASE_ADMIN_SECRET) and give the user
    of FOOTFALL_DATABASE_URL the application's rights and its secret's password."""
    try:
        settings = load_settings()
        if not settings.database_admin_secret:
            raise typer.BadParameter("set FOOTFALL_DATABASE_ADMIN_SECRET first")
        role = grant_app_user_for(settings)
    except FootfallError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{role}: migrated, application rights granted")
