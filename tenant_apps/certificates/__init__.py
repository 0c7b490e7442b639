"""Certificates and member cards (证书, 会员证, 会员卡): issued with the membership, rendered from
the association's design, verifiable by anyone on the association's site (docs/certificates.md).

`design.py` and `render.py`: the design of each member type's documents (configuration in the
profile) and drawing them as PDF and image. `models.py`, `services.py`, `selectors.py`: the
certificates issued, re-issued and revoked with the membership, and their verification."""
