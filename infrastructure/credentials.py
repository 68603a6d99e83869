"""Passwords hashed with argon2id, and short-lived signed bearer tokens (HS256)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

TOKEN_ALGORITHM = "HS256"
TOKEN_ISSUER = "giamngheo"


class Passwords:
    """argon2id through argon2-cffi, at OWASP's recommended minimum cost (19 MiB, 2 passes,
    one lane); tests pass a cheaper one."""

    def __init__(self, memory_kib: int = 19456, passes: int = 2) -> None:
        self._hasher = PasswordHasher(time_cost=passes, memory_cost=memory_kib, parallelism=1)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


@dataclass(frozen=True)
class TokenClaims:
    username: str
    password_changes: int
    expires_at: int


class InvalidToken(Exception):
    pass


class Tokens:
    """Signed with a key kept outside the database; ``pwc`` ties a token to the password it was
    issued under, so a password change ends older tokens."""

    def __init__(self, key: bytes, lifetime_seconds: int = 1800) -> None:
        if len(key) < 32:
            raise ValueError("the token signing key must be at least 32 bytes")
        self._key = key
        self.lifetime_seconds = lifetime_seconds

    def issue(self, username: str, password_changes: int) -> str:
        now = int(time.time())
        claims = {
            "iss": TOKEN_ISSUER,
            "sub": username,
            "pwc": password_changes,
            "iat": now,
            "exp": now + self.lifetime_seconds,
        }
        return jwt.encode(claims, self._key, algorithm=TOKEN_ALGORITHM)

    def read(self, token: str) -> TokenClaims:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[TOKEN_ALGORITHM],
                issuer=TOKEN_ISSUER,
                options={"require": ["exp", "sub", "iss"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("the token has expired; log in again") from None
        except jwt.PyJWTError:
            raise InvalidToken("the token is not valid") from None
        subject, changes = claims.get("sub"), claims.get("pwc")
        if not isinstance(subject, str) or not isinstance(changes, int):
            raise InvalidToken("the token is not valid")
        return TokenClaims(username=subject, password_changes=changes, expires_at=claims["exp"])
