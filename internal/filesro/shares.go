package filesro

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"time"
)

// Share is a shared folder or file.
type Share struct {
	ID         string    `json:"id"`
	Token      string    `json:"token"`
	ItemID     string    `json:"item_id"`
	Type       string    `json:"type"`       // folder or file
	Permission string    `json:"permission"` // editor or visitor; "" for files
	Protected  bool      `json:"protected"`
	ExpireIn   int       `json:"expire_in,omitempty"` // hours after Created; 0 = never
	Created    time.Time `json:"created"`

	password string
}

// ShareFixture is a share every session starts with: a new folder at the owner's root, shared.
type ShareFixture struct {
	Token      string
	Folder     string // the folder's name
	Permission string // editor (default) or visitor
	Password   string // non-empty: a protected share
	ExpireIn   int    // hours; 0 = never
}

// addFixture creates the fixture's folder and share; a fixture replaces a share of the same token.
func (m *Model) addFixture(f ShareFixture, folderID, shareID string) *Item {
	folder := m.newItem(folderID, KindFolder, f.Folder, "")
	if old, ok := m.shares[f.Token]; ok {
		m.dropShare(old)
	}
	perm := f.Permission
	if perm == "" {
		perm = PermissionEditor
	}
	m.addShare(&Share{ID: shareID, Token: f.Token, ItemID: folder.ID, Type: KindFolder, Permission: perm,
		Protected: f.Password != "", password: f.Password, ExpireIn: f.ExpireIn, Created: m.now()})
	return folder
}

func (m *Model) addShare(s *Share) {
	m.shares[s.Token] = s
	m.sharedBy[s.ItemID] = s.Token
}

func (m *Model) dropShare(s *Share) {
	delete(m.shares, s.Token)
	if m.sharedBy[s.ItemID] == s.Token {
		delete(m.sharedBy, s.ItemID)
	}
	for c, tok := range m.cookies {
		if tok == s.Token {
			delete(m.cookies, c)
		}
	}
}

func (m *Model) expired(s *Share) bool {
	return s.ExpireIn > 0 && !m.now().Before(s.Created.Add(time.Duration(s.ExpireIn)*time.Hour))
}

// sweep drops expired shares and abandoned chunked uploads, freeing their bytes. Every public
// method calls it first, so expiry is lazy but never observable. Callers hold m.mu.
func (m *Model) sweep() {
	for _, s := range m.shares {
		if m.expired(s) {
			m.dropShare(s)
		}
	}
	now := m.now()
	for k, u := range m.uploads {
		_, live := m.shares[k.token]
		if !live || now.Sub(u.Last) >= m.opts.ChunkExpiry {
			m.dropUpload(k)
		}
	}
}

// lookup returns the live share of token. Callers hold m.mu and have swept.
func (m *Model) lookup(token string) (*Share, error) {
	s, ok := m.shares[token]
	if !ok {
		return nil, errShareNotFound()
	}
	return s, nil
}

// Share returns the share of token, protected or not (its record is public).
func (m *Model) Share(token string) (Share, error) {
	return m.shareCopy(func() (*Share, error) { return m.lookup(token) })
}

// shareCopy runs find under m.mu, after a sweep, and returns a copy of the share it finds.
func (m *Model) shareCopy(find func() (*Share, error)) (Share, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep()
	s, err := find()
	if err != nil {
		return Share{}, err
	}
	return *s, nil
}

// access returns the share of token for a visitor presenting the share_session cookie.
// Callers hold m.mu and have swept.
func (m *Model) access(token, cookie string) (*Share, error) {
	s, err := m.lookup(token)
	if err != nil {
		return nil, err
	}
	if s.Protected && (cookie == "" || m.cookies[cookie] != token) {
		return nil, errNoPermission()
	}
	return s, nil
}

// Access returns the share of token if the visitor may use it.
func (m *Model) Access(token, cookie string) (Share, error) {
	return m.shareCopy(func() (*Share, error) { return m.access(token, cookie) })
}

// writable returns the share of token if visitors may add to it. Callers hold m.mu and have swept.
func (m *Model) writable(token, cookie string, checkCookie bool) (*Share, error) {
	s, err := m.lookup(token)
	if err != nil {
		return nil, err
	}
	if checkCookie {
		if s, err = m.access(token, cookie); err != nil {
			return nil, err
		}
	}
	if s.Type != KindFolder || s.Permission != PermissionEditor {
		return nil, errAccessDenied()
	}
	return s, nil
}

// Writable returns the share of token if the visitor may upload to it and create folders in it.
func (m *Model) Writable(token, cookie string) (Share, error) {
	return m.shareCopy(func() (*Share, error) { return m.writable(token, cookie, true) })
}

// Unlock checks the password of a protected share and returns a new share_session value
// ("" for a share without password, which needs no unlocking).
func (m *Model) Unlock(token, password string) (Share, string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep()
	s, err := m.lookup(token)
	if err != nil {
		return Share{}, "", err
	}
	if !s.Protected {
		return *s, "", nil
	}
	if subtle.ConstantTimeCompare([]byte(password), []byte(s.password)) != 1 {
		return Share{}, "", errIncorrectPassword()
	}
	var b [24]byte
	_, _ = rand.Read(b[:])
	cookie := hex.EncodeToString(b[:])
	m.cookies[cookie] = token
	return *s, cookie, nil
}

// SharedFile returns the file a file share shares (VueFileManager's single-file share page).
func (m *Model) SharedFile(token, cookie string) (Share, Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep()
	sh, err := m.access(token, cookie)
	if err != nil {
		return Share{}, Entry{}, err
	}
	it, ok := m.items[sh.ItemID]
	if !ok || it.Kind != KindFile {
		return Share{}, Entry{}, errItemNotFound("file")
	}
	return *sh, m.entry(it), nil
}

// ShareIn is what the owner asks to share.
type ShareIn struct {
	ItemID, Type, Permission string
	IsPassword               bool
	Password                 string
	ExpireIn                 int // hours; 0 = never
	Name, Token              string
}

// CreateShare shares the owner's item in.ItemID, or a new folder at the owner's root.
func (m *Model) CreateShare(in ShareIn) (Share, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep()
	var fe []FieldError
	kind := KindFolder
	if in.ItemID != "" {
		it, ok := m.items[in.ItemID]
		switch {
		case !ok:
			fe = append(fe, FieldError{"id", "exists", "The selected id is invalid."})
		case m.sharedBy[in.ItemID] != "":
			fe = append(fe, FieldError{"id", "unique", "The item is currently shared."})
		}
		if ok {
			kind = it.Kind
		}
		switch {
		case in.Type == "":
			fe = append(fe, FieldError{"type", "required_with", "The type field is required when id is present."})
		case ok && in.Type != it.Kind:
			fe = append(fe, FieldError{"type", "in", "The selected type is invalid."})
		}
	} else if in.Type != "" && in.Type != KindFolder {
		fe = append(fe, FieldError{"type", "in", "The selected type is invalid."})
	}
	if kind == KindFolder && in.Permission == "" {
		fe = append(fe, FieldError{"permission", "required", "The permission field for folder is required."})
	}
	if in.IsPassword && in.Password == "" {
		fe = append(fe, FieldError{"password", "required_if", "The password field is required when is password is true."})
	}
	if in.Token != "" {
		if _, taken := m.shares[in.Token]; taken {
			fe = append(fe, FieldError{"token", "unique", "The token has already been taken."})
		}
	}
	if len(fe) > 0 {
		return Share{}, &Invalid{fe}
	}
	if in.ItemID == "" {
		name := in.Name
		if name == "" {
			name = "Shared folder"
		}
		in.ItemID = m.newItem(newUUID(), KindFolder, name, "").ID
	}
	perm := in.Permission
	if kind != KindFolder {
		perm = ""
	}
	token := in.Token
	for token == "" || m.shares[token] != nil {
		token = randomToken()
	}
	s := &Share{ID: newUUID(), Token: token, ItemID: in.ItemID, Type: kind, Permission: perm,
		Protected: in.IsPassword, ExpireIn: in.ExpireIn, Created: m.now()}
	if in.IsPassword {
		s.password = in.Password
	}
	m.addShare(s)
	return *s, nil
}

// ShareUpdate holds the fields of a share update; nil ones stay as they are.
type ShareUpdate struct {
	Protected  *bool
	Password   *string
	Permission *string
	ExpireIn   *int // 0 = never
}

// UpdateShare changes the share of token.
func (m *Model) UpdateShare(token string, in ShareUpdate) (Share, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep()
	s, err := m.lookup(token)
	if err != nil {
		return Share{}, err
	}
	protect := s.Protected
	if in.Protected != nil {
		protect = *in.Protected
	}
	if protect && s.password == "" && (in.Password == nil || *in.Password == "") {
		return Share{}, &Invalid{[]FieldError{{"password", "required_if", "The password field is required when protected is true."}}}
	}
	s.Protected = protect
	switch {
	case !protect:
		s.password = ""
	case in.Password != nil:
		s.password = *in.Password
	}
	if in.Permission != nil && s.Type == KindFolder {
		s.Permission = *in.Permission
	}
	if in.ExpireIn != nil {
		s.ExpireIn = *in.ExpireIn
	}
	if m.expired(s) {
		m.dropShare(s)
		return Share{}, errShareNotFound()
	}
	return *s, nil
}

// randomToken returns a share token as VueFileManager makes them: 16 random letters and digits.
func randomToken() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	var b [16]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}
