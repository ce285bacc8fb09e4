package views

import (
	"context"

	"lineescrow/models"
)

// NoticeText is a notice in the reader's language: its kind's label
// (models.NoticeLabels) translated and filled with its parameters.
func NoticeText(ctx context.Context, kind models.NoticeKind, params []string) string {
	label, ok := models.NoticeLabels[kind]
	if !ok {
		return T(ctx, "You have a new notice.")
	}
	args := make([]any, len(params))
	for i, p := range params {
		args[i] = p
	}
	return Tf(ctx, label, args...)
}

// NoticeChinese is a notice in Chinese (the SMS that would be sent).
func NoticeChinese(kind models.NoticeKind, params []string) string {
	return NoticeText(WithInfo(context.Background(), &Info{Lang: Chinese}), kind, params)
}
