"""A signing key held in the test process, standing in for KMS (ECDSA P-256 with SHA-256, the
signatures KMS's ECDSA_SHA_256 makes), with the verifier that checks it."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from adapters.signature_ecdsa import EcdsaVerifier


class KeyPair:
    def __init__(self) -> None:
        self.private = ec.generate_private_key(ec.SECP256R1())
        self.verifier = EcdsaVerifier(self.private.public_key())

    def sign(self, message: bytes) -> str:
        return base64.b64encode(self.private.sign(message, ec.ECDSA(hashes.SHA256()))).decode()
