"""`Signer` and `Verifier` over an asymmetric KMS key (ECC_NIST_P256, ECDSA_SHA_256).

Only holders of `kms:Sign` on the key can sign; checking needs just its public key, fetched
once per container with `kms:GetPublicKey` and then checked locally, so a load costs no KMS
request. The message is signed as it is (MessageType RAW): KMS hashes it with SHA-256, which
is what any ECDSA P-256/SHA-256 verifier expects, with no AWS access.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from eventcore.store import StoreUnavailable

if TYPE_CHECKING:  # `cryptography` is imported when a signature is first checked, not at start
    from adapters.signature_ecdsa import EcdsaVerifier

ALGORITHM = "ECDSA_SHA_256"


class KmsSigner:
    def __init__(self, client: Callable[[], Any], key_id: str) -> None:
        self._client = client
        self.key_id = key_id

    def sign(self, message: bytes) -> str:
        try:
            answer = self._client().sign(
                KeyId=self.key_id,
                Message=message,
                MessageType="RAW",
                SigningAlgorithm=ALGORITHM,
            )
        except (ClientError, BotoCoreError) as error:
            raise StoreUnavailable(f"signing key {self.key_id}: {error}") from error
        return base64.b64encode(answer["Signature"]).decode()


class KmsPublicKey:
    """A `Verifier` that learns the key's public half on first use and keeps it. Until it has
    it (KMS unreachable), nothing verifies: a load then folds from the table."""

    def __init__(self, client: Callable[[], Any], key_id: str) -> None:
        self._client = client
        self.key_id = key_id
        self._verifier: EcdsaVerifier | None = None
        self._lock = threading.Lock()

    def verify(self, message: bytes, signature: str) -> bool:
        verifier = self.verifier()
        return verifier is not None and verifier.verify(message, signature)

    def verifier(self) -> EcdsaVerifier | None:
        from adapters.signature_ecdsa import EcdsaVerifier

        with self._lock:
            if self._verifier is None:
                try:
                    der = self._client().get_public_key(KeyId=self.key_id)["PublicKey"]
                except (ClientError, BotoCoreError):
                    return None
                self._verifier = EcdsaVerifier.from_der(der)
            return self._verifier
