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
from grants.accounts.tokens import user_for_reset_token
from grants.core import audit, limits
from grants.core.security import safe_next
from grants.extensions import db

bp = Blueprint("accounts", __name__)


def _field_error(form, error: services.AccountError) -> None:
    field = getattr(form, error.field or "", None)
    if field is None:
        field = next(iter(form))
    field.errors = [*field.errors, error.message]


@bp.route("/sign-in", methods=["GET", "POST"])
@limits.sign_in
def sign_in():
    next_url = safe_next(request.args.get("next"), url_for("main.home"))
    if current_user.is_authenticated:
        return redirect(next_url)
    form = SignInForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.AccountError as error:
            db.session.commit()  # keeps the audit of the attempt
            _field_error(form, error)
            return render_template("accounts/sign_in.html", form=form)
        db.session.commit()
        if user and user.two_factor_enabled:
            two_factor.start_pending(user, next_url)
            return redirect(url_for("accounts.two_factor_challenge"))
        if user:
            start_session(user)
            return redirect(next_url)
        form.email.errors = ["Enter a correct email address and password"]
    return render_template("accounts/sign_in.html", form=form)


@bp.route("/sign-out", methods=["GET", "POST"])
@login_required
def sign_out():
    form = SignOutForm()
    if form.validate_on_submit():
        services.sign_out(current_user)
        db.session.commit()
        logout_user()
        flash("You have signed out.", "success")
        return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/sign_out.html", form=form)


@bp.route("/register", methods=["GET", "POST"])
@limits.registration
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            services.register_applicant(name=form.name.data, email=form.email.data, password=form.password.data)
        except services.AccountError as error:
            db.session.rollback()
            _field_error(form, error)
        else:
            db.session.commit()
            # The same answer whether or not the address had an account: only its owner hears which.
            session[REGISTERED_EMAIL] = services.normalise_email(form.email.data)
            return redirect(url_for("accounts.register_sent"))
    return render_template("accounts/register.html", form=form)


REGISTERED_EMAIL = "registered_email"


@bp.get("/register/check-your-email")
def register_sent():
    return render_template("accounts/register_sent.html", email=session.get(REGISTERED_EMAIL))


@bp.route("/register/confirm/<token>", methods=["GET", "POST"])
@limits.confirmation
def confirm_email(token):
    """The link from the confirmation email. Opening it changes nothing (mail scanners open links); the
    person enters the password they registered with, which confirms the address and signs them in."""
    from grants.accounts.tokens import user_for_confirmation_token

    user = user_for_confirmation_token(token)
    if user is None:
        return render_template("accounts/confirm_invalid.html"), 400
    if user.is_confirmed:  # the link has done its work: the password is checked on the sign-in page alone
        if request.method == "POST" and current_user.is_authenticated and current_user.id == user.id:
            return redirect(url_for("main.home"))  # the second press of a double click, already signed in
        return render_template("accounts/confirm_done.html")
    form = ConfirmEmailForm()
    if form.validate_on_submit():
        try:
            user = services.confirm_email(token, form.password.data)
        except services.ConfirmationError:
            db.session.rollback()
            return render_template("accounts/confirm_invalid.html"), 400
        except services.AccountError as error:
            db.session.commit()  # keeps the audit of a wrong password
            _field_error(form, error)
        else:
            session.pop(REGISTERED_EMAIL, None)
            if user.two_factor_enabled:  # confirmed before, and protected since: the code is still owed
                db.session.commit()
                two_factor.start_pending(user, url_for("main.home"))
                return redirect(url_for("accounts.two_factor_challenge"))
            services.record_sign_in(user)
            db.session.commit()
            start_session(user)
            flash("Your email address is confirmed and your account is ready.", "success")
            return redirect(url_for("main.home"))
    return render_template("accounts/confirm_email.html", form=form, user=user)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limits.password_reset
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("accounts/reset_sent.html", email=form.email.data)
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    if user_for_reset_token(token) is None:
        return render_template("accounts/reset_invalid.html"), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except services.AccountError as error:
            db.session.rollback()
            _field_error(form, error)
        else:
            db.session.commit()
            logout_user()
            flash("Your password has been changed. Sign in with your new password.", "success")
            return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/reset_password.html", form=form)


@bp.get("/account")
@login_required
def account():
    return render_template("accounts/account.html", user=current_user)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except services.AccountError as error:
            db.session.commit()  # keeps the audit of a wrong current password; nothing else changed
            _field_error(form, error)
        else:
            user = current_user._get_current_object()
            db.session.commit()
            start_session(user, keep_two_factor=True)  # this session carries on; every other one has ended
            flash("Your password has been changed. You have been signed out everywhere else.", "success")
            return redirect(url_for("accounts.account"))
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
            audit.record("auth.two_factor_refused", user, actor=user, after={"reason": reason})
            db.session.commit()
        session.pop(two_factor.PENDING, None)
        flash("Your sign-in took too long. Enter your email address and password again.", "info")
        return redirect(url_for("accounts.sign_in"))
    form = TwoFactorCodeForm()
    if form.validate_on_submit():
        try:
            method = two_factor.verify(user, form.code.data)
        except two_factor.TwoFactorError as error:
            two_factor.note_failure(user)
            db.session.commit()  # keeps the audit of the wrong code
            _field_error(form, error)
        else:
            services.record_sign_in(user, method)
            db.session.commit()
            start_session(user)
            two_factor.mark_verified()
            if method == "recovery_code":
                flash(
                    "You signed in with a recovery code, which cannot be used again. "
                    "If you have lost your phone, set up two-factor sign-in on a new one.",
                    "important",
                )
                return redirect(url_for("accounts.two_factor_page"))
            return redirect(safe_next(next_url, url_for("main.home")))
    return render_template("accounts/two_factor_challenge.html", form=form)


@bp.get("/account/two-factor")
@login_required
def two_factor_page():
    user = current_user
    return render_template(
        "accounts/two_factor.html",
        user=user,
        required=two_factor.is_required(user),
        codes_left=two_factor.recovery_codes_left(user) if user.two_factor_enabled else 0,
        form=ConfirmPasswordForm(formdata=None),
    )


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
    if form.validate_on_submit():
        purpose = "replace two-factor" if replacing else "set up two-factor"
        if needs_password and not services.reauthenticate(user, form.password.data, purpose=purpose):
            db.session.commit()
            form.password.errors = ["The password is not right"]
        else:
            try:
                codes = two_factor.enable(user, secret, form.code.data)
            except two_factor.TwoFactorError as error:
                db.session.commit()
                _field_error(form, error)
            else:
                db.session.commit()
                start_session(user)  # the other sessions have ended; this one carries on
                two_factor.mark_verified()
                return render_template("accounts/recovery_codes.html", codes=codes, first_time=not replacing)
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
    if form.validate_on_submit():
        if services.reauthenticate(user, form.password.data, purpose="new recovery codes"):
            codes = two_factor.regenerate_recovery_codes(user)
            db.session.commit()
            return render_template("accounts/recovery_codes.html", codes=codes, first_time=False)
        db.session.commit()
        form.password.errors = ["The password is not right"]
    return render_template(
        "accounts/two_factor.html",
        user=user,
        required=two_factor.is_required(user),
        codes_left=two_factor.recovery_codes_left(user),
        form=form,
    ), 400


@bp.route("/account/two-factor/turn-off", methods=["GET", "POST"])
@login_required
@limits.reauthentication
def two_factor_turn_off():
    user = current_user._get_current_object()
    if not user.two_factor_enabled:
        return redirect(url_for("accounts.two_factor_page"))
    if two_factor.is_required(user):
        if request.method == "POST":
            try:
                two_factor.disable(user, actor=user)
            except two_factor.TwoFactorError as error:
                db.session.commit()  # the audit of the refusal
                flash(error.message, "important")
        return render_template("accounts/two_factor_turn_off.html", form=None, required=True), (
            403 if request.method == "POST" else 200
        )
    form = ConfirmPasswordForm()
    if form.validate_on_submit():
        if services.reauthenticate(user, form.password.data, purpose="turn off two-factor"):
            two_factor.disable(user, actor=user)
            db.session.commit()
            logout_user()
            flash("Two-factor sign-in is off. Sign in again with your password.", "success")
            return redirect(url_for("accounts.sign_in"))
        db.session.commit()
        form.password.errors = ["The password is not right"]
    return render_template("accounts/two_factor_turn_off.html", form=form, required=False), (
        400 if form.errors else 200
    )
