from __future__ import annotations

import json
import uuid

from tenant_apps.accounts.capabilities import can
from tenant_apps.files.models import PrivateFile


def private_file_for_user(*, user, public_id: uuid.UUID | str) -> PrivateFile | None:
    """The file, if `user` may read it: its owner; for an application's material, the staff
    who may open that application (a branch administrator only their branch's); for other
    files, HQ staff. Otherwise None, which callers answer with 404 so that the existence of a
    file is not revealed."""
    if not user.is_authenticated:
        return None
    record = PrivateFile.objects.filter(public_id=public_id).first()
    if record is None:
        return None
    if record.owner_id == user.pk:
        return record
    if not user.is_association_staff:
        return None
    from tenant_apps.privacy.models import DataExport

    if DataExport.objects.filter(file=record).exists():
        return None  # 我的数据: its owner's alone, whoever else asks
    from tenant_apps.applications.models import ApplicationUpload
    from tenant_apps.applications.selectors import application_for_reviewer

    upload = ApplicationUpload.objects.filter(file=record).select_related(
        "application").first()
    if upload is not None:
        return record if application_for_reviewer(user, upload.application.public_id) \
            else None
    # a change request's proof: whoever may open that request (records/selectors.py)
    from tenant_apps.records.models import ChangeRequestProof
    from tenant_apps.records.selectors import change_request_for_staff

    proof = ChangeRequestProof.objects.filter(file=record).select_related("request").first()
    if proof is not None:
        return record if change_request_for_staff(user, proof.request.public_id) else None
    # a picture answering a form question (CMES 个人照片, Jiangsu 单位logo): whoever may open
    # an application of its owner that names it
    from tenant_apps.applications.models import Application

    for application in Application.objects.filter(applicant_id=record.owner_id).only(
            "public_id", "answers"):
        if str(record.public_id) in json.dumps(application.answers or {}) \
                and application_for_reviewer(user, application.public_id):
            return record
    # a member's submission (企业投稿): whoever reviews submissions
    from tenant_apps.submissions.models import Submission

    if Submission.objects.filter(document=record).exists():
        return record if can(user, "submissions.review") else None
    return record if can(user, "files.view") else None


def image_ids_of(owner) -> frozenset[str]:
    """The ids of the images `owner` stored: what an image answer of theirs may name."""
    return frozenset(str(pk) for pk in PrivateFile.objects.filter(
        owner=owner, content_type__startswith="image/").values_list("public_id", flat=True))
