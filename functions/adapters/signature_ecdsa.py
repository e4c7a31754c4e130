"""`Verifier` for ECDSA P-256 with SHA-256 (KMS's ECDSA_SHA_256), from the public key alone.

Pure `cryptography`: no AWS access, so the same check runs in a Lambda, in `esctl` and offline.
"""

from __future__ import annotations

import base64
import binascii

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec


class EcdsaVerifier:
    def __init__(self, public_key: ec.EllipticCurvePublicKey) -> None:
        self._key = public_key

    @classmethod
    def from_der(cls, der: bytes) -> EcdsaVerifier:
        return cls._of(serialization.load_der_public_key(der))

    @classmethod
    def from_pem(cls, pem: bytes) -> EcdsaVerifier:
        return cls._of(serialization.load_pem_public_key(pem))

    @classmethod
    def _of(cls, key: object) -> EcdsaVerifier:
        if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
            raise ValueError("not an ECDSA P-256 public key")
        return cls(key)

    def pem(self) -> str:
        return self._key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()

    def verify(self, message: bytes, signature: str) -> bool:
        try:
            self._key.verify(base64.b64decode(signature, validate=True), message, _ECDSA)
        except (InvalidSignature, binascii.Error, ValueError, TypeError):
            return False
        return True


_ECDSA = ec.ECDSA(hashes.SHA256())
