package weavy

import "strings"

// More app types the UI kit knows; they behave as chat apps (messages).
const (
	AppChatRoom    = "chat_room"
	AppPrivateChat = "private_chat"
	AppAgentChat   = "agent_chat"
)

// appTypeGUIDs are Weavy's app type GUIDs (weavy.com/docs/reference/api/apps; the same in the UI
// kit's AppTypeGuid). Responses always name app types by GUID; requests may use GUID or name.
var appTypeGUIDs = map[string]string{
	AppAgentChat:   "2352a1c6-abc6-420e-8b85-ca7d5aed8779",
	AppChat:        "d65dd4bc-418e-403c-9f56-f9cf4da931ed",
	AppChatRoom:    "edb400ac-839b-45a7-b2a8-6a01820d1c44",
	AppComments:    "88f96a08-c6c1-4eac-a0bd-5bf8fba1a3fd",
	AppFiles:       "523edd88-4bbf-4547-b60f-2859a6d2ddc1",
	AppPosts:       "5ebfa152-de85-48da-82dd-30a1b560c313",
	AppPrivateChat: "7e14f418-8f15-46f4-b182-f619b671e470",
}

// TypeGUID returns the GUID of an app type name (a name it does not know is returned as is).
func TypeGUID(name string) string {
	if g, ok := appTypeGUIDs[name]; ok {
		return g
	}
	return name
}

// ParseAppType returns the name of an app type given by name or GUID (GUIDs case-insensitively).
func ParseAppType(s string) (string, bool) {
	if _, ok := appTypeGUIDs[s]; ok {
		return s, true
	}
	for name, g := range appTypeGUIDs {
		if strings.EqualFold(g, s) {
			return name, true
		}
	}
	return "", false
}

// isChat reports whether apps of type t hold messages.
func isChat(t string) bool {
	return t == AppChat || t == AppChatRoom || t == AppPrivateChat || t == AppAgentChat
}
