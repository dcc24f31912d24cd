"""Signing in and out, registering, passwords and two-factor sign-in. Every change goes through the
action path (``grants.core.actions``); a refused attempt keeps the record its service wrote (a wrong
password counts towards a lockout) and nothing else."""

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from grants.accounts import services, two_factor
from grants.accounts.forms import (
    ChangePasswordForm,
    ConfirmEmailForm,
    ConfirmPasswordForm,
    ForgotPasswordForm,
    RegisterForm,
    ResetPasswordForm,
    SignInForm,
    SignOutForm,
    TwoFactorCodeForm,
    TwoFactorReplaceForm,
    TwoFactorSetupForm,
)
from grants.accounts.login import start_session
from grants.accounts.tokens import user_for_confirmation_token, user_for_reset_token
from grants.core import actions, limits
from grants.core.security import safe_next

bp = Blueprint("accounts", __name__)

REGISTERED_EMAIL = "registered_email"


@bp.route("/sign-in", methods=["GET", "POST"])
@limits.sign_in
def sign_in():
    next_url = safe_next(request.args.get("next"), url_for("main.home"))
    if current_user.is_authenticated:
        return redirect(next_url)
    form = SignInForm()

    def signed_in(user):
        if user is None:
            form.email.errors = ["Enter a correct email address and password"]
            return actions.page("accounts/sign_in.html", form=form)
        if user.two_factor_enabled:
            two_factor.start_pending(user, next_url)
            return url_for("accounts.two_factor_challenge")
        start_session(user)
        return next_url

    if form.validate_on_submit() and (
        done := actions.carry_out(
            lambda: services.authenticate(form.email.data, form.password.data),
            refused=("auth.sign_in_refused", None),
            to=signed_in,
            form=form,
            field="email",
        )
    ):
        return done
    return render_template("accounts/sign_in.html", form=form)


@bp.route("/sign-out", methods=["GET", "POST"])
@login_required
def sign_out():
    form = SignOutForm()
    if form.validate_on_submit():

        def signed_out(_):
            logout_user()
            return url_for("accounts.sign_in")

        return actions.carry_out(
            lambda: services.sign_out(current_user),
            refused=("auth.sign_out_refused", current_user),
            to=signed_out,
            message="You have signed out.",
        )
    return render_template("accounts/sign_out.html", form=form)


@bp.route("/register", methods=["GET", "POST"])
@limits.registration
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()

    def registered(_):
        # The same answer whether or not the address had an account: only its owner hears which.
        session[REGISTERED_EMAIL] = services.normalise_email(form.email.data)
        return url_for("accounts.register_sent")

    if form.validate_on_submit() and (
        done := actions.carry_out(
            lambda: services.register_applicant(
                name=form.name.data, email=form.email.data, password=form.password.data
            ),
            refused=("user.registration_refused", None),
            to=registered,
            form=form,
            field="email",
        )
    ):
        return done
    return render_template("accounts/register.html", form=form)


@bp.get("/register/check-your-email")
def register_sent():
    return render_template("accounts/register_sent.html", email=session.get(REGISTERED_EMAIL))


@bp.route("/register/confirm/<token>", methods=["GET", "POST"])
@limits.confirmation
def confirm_email(token):
    """The link from the confirmation email. Opening it changes nothing (mail scanners open links); the
    person enters the password they registered with, which confirms the address and signs them in."""
    user = user_for_confirmation_token(token)
    if user is None:
        return render_template("accounts/confirm_invalid.html"), 400
    if user.is_confirmed:  # the link has done its work: the password is checked on the sign-in page alone
        if request.method == "POST" and current_user.is_authenticated and current_user.id == user.id:
            return redirect(url_for("main.home"))  # the second press of a double click, already signed in
        return render_template("accounts/confirm_done.html")
    form = ConfirmEmailForm()

    def confirm():
        confirmed = services.confirm_email(token, form.password.data)
        if not confirmed.two_factor_enabled:
            services.record_sign_in(confirmed)
        return confirmed

    def confirmed(confirmed_user):
        session.pop(REGISTERED_EMAIL, None)
        if confirmed_user.two_factor_enabled:  # confirmed before, and protected since: the code is still owed
            two_factor.start_pending(confirmed_user, url_for("main.home"))
            return url_for("accounts.two_factor_challenge")
        start_session(confirmed_user)
        flash("Your email address is confirmed and your account is ready.", "success")
        return url_for("main.home")

    if form.validate_on_submit() and (
        done := actions.carry_out(
            confirm,
            refused=("user.confirmation_refused", user),
            to=confirmed,
            form=form,
            field="password",
            show=_confirmation_refused,
        )
    ):
        return done
    return render_template("accounts/confirm_email.html", form=form, user=user)


def _confirmation_refused(error):
    if isinstance(error, services.ConfirmationError):
        return render_template("accounts/confirm_invalid.html"), 400
    return None  # shown on the form


@bp.route("/password/forgot", methods=["GET", "POST"])
@limits.password_reset
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        return actions.carry_out(
            lambda: services.request_password_reset(form.email.data),
            refused=("auth.password_reset_refused", None),
            to=lambda _: actions.page("accounts/reset_sent.html", email=form.email.data),
            form=form,
            field="email",
        ) or render_template("accounts/forgot_password.html", form=form)
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    if user_for_reset_token(token) is None:
        return render_template("accounts/reset_invalid.html"), 400
    form = ResetPasswordForm()

    def reset(_):
        logout_user()
        return url_for("accounts.sign_in")

    if form.validate_on_submit() and (
        done := actions.carry_out(
            lambda: services.reset_password(token, form.password.data),
            refused=("auth.password_reset_refused", None),
            to=reset,
            message="Your password has been changed. Sign in with your new password.",
            form=form,
            field="password",
        )
    ):
        return done
    return render_template("accounts/reset_password.html", form=form)


@bp.get("/account")
@login_required
def account():
    return render_template("accounts/account.html", user=current_user)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    user = current_user._get_current_object()

    def changed(_):
        start_session(user, keep_two_factor=True)  # this session carries on; every other one has ended
        return url_for("accounts.account")

    if form.validate_on_submit() and (
        done := actions.carry_out(
            lambda: services.change_password(user, form.current_password.data, form.password.data),
            refused=("auth.password_change_refused", user),
            to=changed,
            message="Your password has been changed. You have been signed out everywhere else.",
            form=form,
            field="password",
        )
    ):
        return done
    return render_template("accounts/change_password.html", form=form)


# --- Two-factor sign-in ------------------------------------------------------------------------


@bp.route("/sign-in/two-factor", methods=["GET", "POST"])
@limits.two_factor
def two_factor_challenge():
    """The second step of signing in: the password was right, now a code."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    user, next_url = two_factor.pending_user()
    if user is None or not user.two_factor_enabled:
        if request.method == "POST":
            reason = "expired" if session.get(two_factor.PENDING) else "no sign-in under way"
            actions.record("auth.two_factor_refused", user, actor=user, after={"reason": reason})
        session.pop(two_factor.PENDING, None)
        flash("Your sign-in took too long. Enter your email address and password again.", "info")
        return redirect(url_for("accounts.sign_in"))
    form = TwoFactorCodeForm()

    def sign_in(code):
        method = two_factor.sign_in_with_code(user, code)
        services.record_sign_in(user, method)
        return method

    def signed_in(method):
        start_session(user)
        two_factor.mark_verified()
        if method == "recovery_code":
            flash(
                "You signed in with a recovery code, which cannot be used again. "
                "If you have lost your phone, set up two-factor sign-in on a new one.",
                "important",
            )
            return url_for("accounts.two_factor_page")
        return safe_next(next_url, url_for("main.home"))

    if form.validate_on_submit() and (
        done := actions.carry_out(
            lambda: sign_in(form.code.data),
            refused=("auth.two_factor_refused", user),
            to=signed_in,
            form=form,
            field="code",
        )
    ):
        return done
    return render_template("accounts/two_factor_challenge.html", form=form)


@bp.get("/account/two-factor")
@login_required
def two_factor_page():
    return _two_factor_page(ConfirmPasswordForm(formdata=None))


def _two_factor_page(form, status: int = 200):
    user = current_user
    return render_template(
        "accounts/two_factor.html",
        user=user,
        required=two_factor.is_required(user),
        codes_left=two_factor.recovery_codes_left(user) if user.two_factor_enabled else 0,
        form=form,
    ), status


@bp.route("/account/two-factor/set-up", methods=["GET", "POST"])
@login_required
@limits.reauthentication
def two_factor_setup():
    user = current_user._get_current_object()
    replacing = user.two_factor_enabled
    # Adding an authenticator is re-authenticated: the password again, unless it was entered moments ago.
    needs_password = replacing or not two_factor.recently_signed_in()
    form = TwoFactorReplaceForm() if needs_password else TwoFactorSetupForm()
    if not replacing:
        form.submit.label.text = "Turn on two-factor sign-in"
    secret = two_factor.setup_secret()

    def turn_on():
        if needs_password:
            purpose = "replace two-factor" if replacing else "set up two-factor"
            services.require_password(user, form.password.data, purpose=purpose)
        return two_factor.enable(user, secret, form.code.data)

    def turned_on(codes):
        start_session(user)  # the other sessions have ended; this one carries on
        two_factor.mark_verified()
        return actions.page("accounts/recovery_codes.html", codes=codes, first_time=not replacing)

    if form.validate_on_submit() and (
        done := actions.carry_out(
            turn_on, refused=("auth.two_factor_setup_refused", user), to=turned_on, form=form, field="code"
        )
    ):
        return done
    return render_template(
        "accounts/two_factor_setup.html",
        form=form,
        replacing=replacing,
        required=two_factor.is_required(user),
        secret=two_factor.grouped(secret),
        qr_code=two_factor.qr_code_data_uri(two_factor.provisioning_uri(user, secret)),
    ), (400 if form.errors else 200)


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
@login_required
@limits.reauthentication
def two_factor_recovery_codes():
    user = current_user._get_current_object()
    if not user.two_factor_enabled:
        abort(404)
    form = ConfirmPasswordForm()

    def replace_codes():
        services.require_password(user, form.password.data, purpose="new recovery codes")
        return two_factor.regenerate_recovery_codes(user)

    if form.validate_on_submit() and (
        done := actions.carry_out(
            replace_codes,
            refused=("auth.recovery_codes_refused", user),
            to=lambda codes: actions.page("accounts/recovery_codes.html", codes=codes, first_time=False),
            form=form,
            field="password",
        )
    ):
        return done
    return _two_factor_page(form, 400)


@bp.route("/account/two-factor/turn-off", methods=["GET", "POST"])
@login_required
@limits.reauthentication
def two_factor_turn_off():
    user = current_user._get_current_object()
    if not user.two_factor_enabled:
        return redirect(url_for("accounts.two_factor_page"))
    if two_factor.is_required(user):
        return _required_page(user)
    form = ConfirmPasswordForm()

    def turn_off():
        services.require_password(user, form.password.data, purpose="turn off two-factor")
        two_factor.disable(user, actor=user)

    def turned_off(_):
        logout_user()
        return url_for("accounts.sign_in")

    if form.validate_on_submit() and (
        done := actions.carry_out(
            turn_off,
            refused=("auth.two_factor_disable_refused", user),
            to=turned_off,
            message="Two-factor sign-in is off. Sign in again with your password.",
            form=form,
            field="password",
        )
    ):
        return done
    return render_template("accounts/two_factor_turn_off.html", form=form, required=False), (
        400 if form.errors else 200
    )


def _required_page(user):
    """Roles that need two-factor sign-in: the page says so, and a post is refused (recorded once)."""
    if request.method != "POST":
        return render_template("accounts/two_factor_turn_off.html", form=None, required=True)
    return actions.carry_out(
        lambda: two_factor.disable(user, actor=user),
        refused=("auth.two_factor_disable_refused", user),
        to=url_for("accounts.two_factor_page"),
        show=lambda error: (
            flash(error.message, "important"),
            (render_template("accounts/two_factor_turn_off.html", form=None, required=True), 403),
        )[1],
    )
