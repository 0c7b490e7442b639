"""Announcements (公告动态, CAQ's 活动通告): staff write them, members and the public read them
(docs/announcements.md)."""
