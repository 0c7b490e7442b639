"""Files to import, written by hand: a CACEM sheet of legacy units."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile

CACEM_HEADER = ["企业中文全称", "信用代码", "所属行业", "所属领域", "所在省市", "通讯地址", "邮编",
                "法人代表", "企业类型", "所属系统", "企业基本情况", "特级资质",
                "第一联络员姓名", "第一联络员部门", "第一联络员职务", "第一联络员手机",
                "第一联络员邮箱", "会员号", "会员级别", "入会时间", "有效期至", "已缴费年度"]



def uscc_for(n: int) -> str:
    """A valid unified social credit code of its own for unit n (test data, not an
    expectation: the check character is GB 32100's, computed by stdnum)."""
    from stdnum.cn import uscc

    base = f"91110000{n:09d}"
    return base + uscc.calc_check_digit(base + "0")


def cacem_row(n: int, **over) -> list[str]:
    row = {"企业中文全称": f"中建测试第{n}工程局有限公司", "信用代码": uscc_for(n),
           "所属行业": "建筑工程", "所属领域": "施工总承包", "所在省市": "北京市 海淀区",
           "通讯地址": f"北京市海淀区三里河路{n}号", "邮编": "100037", "法人代表": f"法人{n}",
           "企业类型": "中央企业", "所属系统": "住房城乡建设", "企业基本情况": "特级资质施工企业",
           "特级资质": "建筑工程、公路工程", "第一联络员姓名": f"联络员{n}",
           "第一联络员部门": "办公室", "第一联络员职务": "主任",
           "第一联络员手机": f"139{n:08d}", "第一联络员邮箱": f"liaison{n}@cacem-test.cn",
           "会员号": f"CACEM{n:05d}", "会员级别": "理事单位", "入会时间": "2019-03-01",
           "有效期至": "2024-12-31", "已缴费年度": "2019-2024"}
    row.update(over)
    return [row[h] for h in CACEM_HEADER]


def csv_upload(rows: list[list[str]], *, header=None, encoding="utf-8",
               name="members.csv") -> SimpleUploadedFile:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header or CACEM_HEADER)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(encoding), "text/csv")


def xlsx_upload(rows: list[list], *, header=None, name="members.xlsx") -> SimpleUploadedFile:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(header or CACEM_HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), "application/octet-stream")
