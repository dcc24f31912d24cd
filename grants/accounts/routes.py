from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, logout_user

from grants.accounts import services
from grants.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    RegisterForm,
    ResetPasswordForm,
    SignInForm,
    SignOutForm,
)
from grants.accounts.login import start_session
from grants.accounts.tokens import user_for_reset_token
from grants.core import limits
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
        user = services.authenticate(form.email.data, form.password.data)
        db.session.commit()
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
            user = services.register_applicant(name=form.name.data, email=form.email.data, password=form.password.data)
        except services.AccountError as error:
            db.session.rollback()
            _field_error(form, error)
        else:
            db.session.commit()
            start_session(user)
            flash("Your account has been created.", "success")
            return redirect(url_for("main.home"))
    return render_template("accounts/register.html", form=form)


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
            start_session(user)  # this session carries on; every other one has ended
            flash("Your password has been changed. You have been signed out everywhere else.", "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/change_password.html", form=form)
