"""The passport error tree: one base, stable unique codes."""

from __future__ import annotations

import inspect

from passport import errors


def test_every_error_has_its_own_stable_code() -> None:
    classes = [
        c for _, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, errors.PassportError)
    ]
    codes = [c.code for c in classes]
    assert len(set(codes)) == len(codes)
    # Admission refusals keep the ``submission.*`` family the API has always answered with.
    assert all(
        code.startswith("passport.")
        for c, code in zip(classes, codes, strict=True)
        if c is not errors.SubmissionError
    )
    assert errors.SubmissionError("revoked", "x").code == "submission.revoked"
    assert errors.ContextNotAllowedError.code == "passport.context_not_allowed"
    assert errors.ProofError.code == "passport.proof_invalid"
    assert issubclass(errors.VerificationMethodError, errors.ProofError)
