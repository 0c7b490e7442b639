"""完善理事资料 (CAQ): extra forms for the members of a rank (理事及以上单位会员), configured
in the profile (`council_forms`), shown to those members as 待完善 / 已完善, with a reminder
on the member home; staff see who filled what, export the answers to Excel and print each
filled form as a PDF (docs/council-forms.md)."""
