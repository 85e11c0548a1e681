package imip

import (
	"strings"
)

// maxSubjectSummary bounds the summary in the Subject, which must stay
// one readable line.
const maxSubjectSummary = 120

// subject is the Subject of the mail: what happened, to what, when.
// "Invitation: Team meeting @ Mon 4 Jan 2027 10:00 (CET)".
func subject(e *event) string {
	title := e.Summary
	if title == "" {
		title = "(no title)"
	}
	if r := []rune(title); len(r) > maxSubjectSummary {
		title = string(r[:maxSubjectSummary]) + "…"
	}
	var what string
	switch e.Method {
	case "REQUEST":
		what = "Invitation"
		if e.Sequence > 0 {
			what = "Updated invitation"
		}
	case "CANCEL":
		what = "Cancelled"
	case "REPLY":
		what = replyWord(e.PartStat)
		if e.Replier != nil {
			title += " (" + e.Replier.display() + ")"
		}
	case "":
		what = "Calendar message"
	default:
		what = e.Method // COUNTER, REFRESH…: not sent by this server today
	}
	s := what + ": " + title
	if e.WhenShort != "" {
		s += " @ " + e.WhenShort
	}
	return s
}

// replyWord names an answer (RFC 5545 §3.2.12 PARTSTAT).
func replyWord(partstat string) string {
	switch partstat {
	case "ACCEPTED":
		return "Accepted"
	case "DECLINED":
		return "Declined"
	case "TENTATIVE":
		return "Tentatively accepted"
	case "DELEGATED":
		return "Delegated"
	case "COMPLETED":
		return "Completed"
	case "IN-PROCESS":
		return "In progress"
	}
	return "Reply"
}

// body is the text/plain part: the meaning of the message (RFC 5546
// §1.4 methods) and the event's essentials, for a reader whose mail
// program does not act on the calendar part.
func body(e *event) string {
	var b strings.Builder
	title := e.Summary
	if title == "" {
		title = "an untitled " + kind(e)
	}
	quoted := "\u201c" + title + "\u201d"
	if e.Summary == "" {
		quoted = title
	}
	org := e.Organizer.display()
	occ := ""
	if e.Occurrence {
		occ = "an occurrence of "
	}
	switch e.Method {
	case "REQUEST":
		if e.Sequence > 0 {
			b.WriteString(org + " has updated " + occ + quoted + ".\n")
		} else {
			b.WriteString(org + " has invited you to " + occ + quoted + ".\n")
		}
	case "CANCEL":
		b.WriteString(org + " has cancelled " + occ + quoted + ".\n")
	case "REPLY":
		b.WriteString(e.Replier.display() + " " + replyVerb(e.PartStat) + " " + occ + quoted + ".\n")
	default:
		b.WriteString("A calendar message (" + e.Method + ") about " + quoted + ".\n")
	}
	b.WriteString("\n")
	line := func(label, value string) {
		if value != "" {
			b.WriteString(label + strings.Repeat(" ", 11-len(label)) + value + "\n")
		}
	}
	line("When:", e.When)
	if e.Recurring {
		line("", "(repeats: see the attached calendar data)")
	}
	line("Where:", e.Location)
	line("Organizer:", e.Organizer.String())
	if e.Description != "" {
		b.WriteString("\n" + e.Description + "\n")
	}
	b.WriteString("\n")
	switch e.Method {
	case "REQUEST":
		b.WriteString("Your calendar program can add this " + kind(e) + " and send your answer from the invitation attached.\n")
	case "CANCEL":
		b.WriteString("Your calendar program can remove it from your calendar with the message attached.\n")
	case "REPLY":
		b.WriteString("Your calendar program can record this answer with the message attached.\n")
	}
	return b.String()
}

func replyVerb(partstat string) string {
	switch partstat {
	case "ACCEPTED":
		return "has accepted"
	case "DECLINED":
		return "has declined"
	case "TENTATIVE":
		return "has tentatively accepted"
	case "DELEGATED":
		return "has delegated"
	}
	return "has answered"
}

func kind(e *event) string {
	if e.Component == "VTODO" {
		return "task"
	}
	return "event"
}
