"""Accounts over email: password reset, email verification, changing a password."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, StringConstraints

from cps.http import schemas as s
from cps.http.api import Call, Endpoint
from cps.services.accounts import recovery

Token = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Password = Annotated[str, StringConstraints(min_length=8, max_length=128)]


class ResetRequest(s.RequestModel):
    email: s.Email


class ResetConfirm(s.RequestModel):
    token: Token
    # The rest of the password rules (docs/security.md) are checked by the service.
    password: Password


class VerifyRequest(s.RequestModel):
    token: Token


class PasswordChange(s.RequestModel):
    current_password: Annotated[str, StringConstraints(max_length=256)]
    new_password: Password


class Accepted(BaseModel):
    """202: the request is taken; what it leads to (an email) happens later, if at all."""

    message: str


async def request_reset(call: Call) -> Accepted:
    body: ResetRequest = call.body
    await recovery.request_password_reset(call.ctx, body.email, call.client_address())
    # The same words whether or not an account has this address.
    return Accepted(message="If an account has this address, a link to reset its password "
                            "is on its way; it works for an hour.")


async def confirm_reset(call: Call) -> None:
    body: ResetConfirm = call.body
    await recovery.reset_password(call.ctx, body.token, body.password)


async def verify_email(call: Call) -> None:
    body: VerifyRequest = call.body
    await recovery.verify_email(call.ctx, body.token)


async def resend_verification(call: Call) -> Accepted:
    await recovery.resend_verification(call.ctx, call.user)
    return Accepted(message="If your address is not verified yet, a link to verify it is on "
                            "its way.")


async def change_password(call: Call) -> None:
    body: PasswordChange = call.body
    await recovery.change_password(call.ctx, call.user, body.current_password,
                                   body.new_password)


def endpoints() -> list[Endpoint]:
    return [
        Endpoint("POST", "/auth/password-reset", request_reset,
                 "Email a password reset link (the same answer for any address)",
                 request=ResetRequest, response=Accepted, status=202, auth="none",
                 errors=(400, 403, 413, 422, 429)),
        Endpoint("POST", "/auth/password-reset/confirm", confirm_reset,
                 "Set a new password with an emailed link; every session is signed out",
                 request=ResetConfirm, status=204, auth="none",
                 errors=(400, 403, 413, 422)),
        Endpoint("POST", "/auth/verify-email", verify_email,
                 "Verify your email address with an emailed link",
                 request=VerifyRequest, status=204, auth="none",
                 errors=(400, 403, 413, 422)),
        Endpoint("POST", "/auth/verify-email/resend", resend_verification,
                 "Email the verification link again", response=Accepted, status=202,
                 auth="required",
                 errors=(401, 403, 429)),
        Endpoint("POST", "/me/password", change_password,
                 "Change your password; your other sessions are signed out",
                 request=PasswordChange, status=204, auth="required",
                 errors=(400, 401, 403, 413, 422, 429)),
    ]
