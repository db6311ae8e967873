package ussd

import (
	"github.com/kikundi/kikundi/ussd/screen"
)

// Settings: the member's language (and, below, their PIN).

func init() {
	nodes[nodeSettings] = node{
		screen: func(c *call) (screen.Screen, error) {
			return screen.Screen{Options: []string{t(c.lang(), "settings.lang")}}, nil
		},
		handle: func(c *call, in string) (string, error) {
			if in != "1" {
				return c.invalid("invalid")
			}
			return nodeSetLang, nil
		},
	}
	nodes[nodeSetLang] = node{
		screen: func(c *call) (screen.Screen, error) {
			return screen.Screen{Options: []string{t("sw", "lang.sw"), t("en", "lang.en")}}, nil
		},
		handle: func(c *call, in string) (string, error) {
			lang := map[string]string{"1": "sw", "2": "en"}[in]
			if lang == "" {
				return c.invalid("invalid")
			}
			if err := c.e.groups.SetLanguage(c.ctx, c.actor(), lang); err != nil {
				return "", err
			}
			c.s.Lang = lang
			return c.done("lang.changed")
		},
	}
}
