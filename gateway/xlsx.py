"""The member export as an Excel workbook (openpyxl), with the county's own column names.

The export writes whatever the roster holds, including text stored before the
API refused invisible characters (``contracts.text``): each such character is
written as U+FFFD (the replacement character, shown as �). openpyxl cannot
write most C0 controls at all (XML 1.0 has no place for them), and the rest
(C1, bidirectional and zero-width characters) would make a cell read as
something other than what it holds.
"""
import io
import uuid

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from contracts import roster
from contracts.text import printable

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# (header, how to get the value from a member dict as dumped by MemberSchema)
COLUMNS = (
    ("党员编号 (id)", lambda m: m["id"]),
    ("姓名", lambda m: m["name"]),
    ("性别", lambda m: roster.GENDERS.get(m["gender"], m["gender"])),
    ("出生日期", lambda m: m["birth_date"]),  # empty when masked
    ("出生年份", lambda m: m["birth_year"]),
    ("身份证号", lambda m: m["id_number"]),
    ("手机号", lambda m: m["phone"]),
    ("入党时间", lambda m: m["joined_on"]),
    ("党员类别", lambda m: roster.MEMBERSHIPS.get(m["membership"], m["membership"])),
    ("所在党支部 (organisation_id)", lambda m: m["organisation_id"]),
    ("状态", lambda m: roster.MEMBER_STATUSES.get(m["status"], m["status"])),
    ("外出日期", lambda m: _away(m, "departed_on")),
    ("外出省份", lambda m: _away(m, "destination_province")),
    ("外出城市", lambda m: _away(m, "destination_city")),
    ("务工内容", lambda m: _away(m, "work")),
    ("外出联系方式", lambda m: _away(m, "contact")),
    ("预计返乡日期", lambda m: _away(m, "expected_return_on")),
)

# A text cell starting with one of these would be read as a formula by a
# spreadsheet program (formula injection); such values stay plain strings.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _away(member, name):
    departure = member.get("current_departure")
    return departure.get(name) if departure else None


def members_workbook(members):
    """The bytes of an .xlsx with one header row and one row per member
    (dicts as ``MemberSchema`` loads them: dates stay dates, and Excel shows them as dates)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("党员")
    sheet.append([header for header, _ in COLUMNS])
    for member in members:
        sheet.append([_cell(sheet, value(member)) for _, value in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(sheet, value):
    if isinstance(value, uuid.UUID):
        value = str(value)
    if isinstance(value, str):
        value = printable(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        cell.data_type = "s"
    return cell
