package weavy

import (
	"mime"
	"net/http"
	"path"
	"strings"
)

// File kinds (the `kind` of a file).
const (
	KindArchive      = "archive"
	KindAudio        = "audio"
	KindCode         = "code"
	KindDocument     = "document"
	KindEmail        = "email"
	KindPresentation = "presentation"
	KindSpreadsheet  = "spreadsheet"
	KindImage        = "image"
	KindText         = "text"
	KindVideo        = "video"
	KindFile         = "file"
)

// Preview formats (the `preview_format` of a file).
const (
	PreviewAudio = "audio"
	PreviewCode  = "code"
	PreviewHTML  = "html"
	PreviewImage = "image"
	PreviewPDF   = "pdf"
	PreviewText  = "text"
	PreviewVideo = "video"
	PreviewNone  = "none"
)

// fileKind is what a file extension says about a file.
type fileKind struct {
	kind, preview, mediaType string
}

// byExtension maps lower-case extensions (".png") to their kind, preview format and media type.
// Weavy derives kind and preview from the name; the media types fill in what sniffing cannot tell
// (a .docx sniffs as application/zip) and do not depend on the host's mime.types.
var byExtension = func() map[string]fileKind {
	m := map[string]fileKind{}
	add := func(kind, preview string, exts map[string]string) {
		for ext, mt := range exts {
			m[ext] = fileKind{kind, preview, mt}
		}
	}
	add(KindArchive, PreviewNone, map[string]string{
		".7z": "application/x-7z-compressed", ".zip": "application/zip", ".rar": "application/vnd.rar",
		".tar": "application/x-tar", ".gz": "application/gzip", ".tgz": "application/gzip",
		".bz2": "application/x-bzip2", ".xz": "application/x-xz",
	})
	add(KindAudio, PreviewAudio, map[string]string{
		".aac": "audio/aac", ".aif": "audio/aiff", ".aiff": "audio/aiff", ".au": "audio/basic",
		".flac": "audio/flac", ".gsm": "audio/x-gsm", ".m4a": "audio/mp4", ".mid": "audio/midi",
		".midi": "audio/midi", ".mka": "audio/x-matroska", ".mp3": "audio/mpeg", ".oga": "audio/ogg",
		".ogg": "audio/ogg", ".opus": "audio/opus", ".ra": "audio/x-realaudio", ".ram": "audio/x-pn-realaudio",
		".snd": "audio/basic", ".spx": "audio/ogg", ".wav": "audio/wav", ".wma": "audio/x-ms-wma",
	})
	add(KindVideo, PreviewVideo, map[string]string{
		".3g2": "video/3gpp2", ".3gp": "video/3gpp", ".asf": "video/x-ms-asf", ".asx": "video/x-ms-asf",
		".avi": "video/x-msvideo", ".flv": "video/x-flv", ".m4v": "video/mp4", ".mk3d": "video/x-matroska",
		".mkv": "video/x-matroska", ".mov": "video/quicktime", ".mp4": "video/mp4", ".mpeg": "video/mpeg",
		".mpg": "video/mpeg", ".ogm": "video/ogg", ".ogv": "video/ogg", ".qt": "video/quicktime",
		".webm": "video/webm", ".wmv": "video/x-ms-wmv",
	})
	add(KindImage, PreviewImage, map[string]string{
		".apng": "image/apng", ".avif": "image/avif", ".bmp": "image/bmp", ".gif": "image/gif",
		".ico": "image/x-icon", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
		".svg": "image/svg+xml", ".webp": "image/webp",
	})
	add(KindImage, PreviewNone, map[string]string{
		".ai": "application/postscript", ".emf": "image/emf", ".eps": "application/postscript",
		".heic": "image/heic", ".psd": "image/vnd.adobe.photoshop", ".tif": "image/tiff",
		".tiff": "image/tiff", ".wmf": "image/wmf",
	})
	add(KindDocument, PreviewPDF, map[string]string{
		".pdf": "application/pdf", ".doc": "application/msword", ".dot": "application/msword",
		".docm": "application/vnd.ms-word.document.macroenabled.12",
		".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
		".dotm": "application/vnd.ms-word.template.macroenabled.12",
		".dotx": "application/vnd.openxmlformats-officedocument.wordprocessingml.template",
		".odt":  "application/vnd.oasis.opendocument.text", ".rtf": "application/rtf",
		".pages": "application/vnd.apple.pages",
	})
	add(KindSpreadsheet, PreviewPDF, map[string]string{
		".xls": "application/vnd.ms-excel", ".xlsm": "application/vnd.ms-excel.sheet.macroenabled.12",
		".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		".xltx": "application/vnd.openxmlformats-officedocument.spreadsheetml.template",
		".ods":  "application/vnd.oasis.opendocument.spreadsheet", ".numbers": "application/vnd.apple.numbers",
	})
	add(KindPresentation, PreviewPDF, map[string]string{
		".ppt": "application/vnd.ms-powerpoint", ".pptm": "application/vnd.ms-powerpoint.presentation.macroenabled.12",
		".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
		".potx": "application/vnd.openxmlformats-officedocument.presentationml.template",
		".odp":  "application/vnd.oasis.opendocument.presentation", ".key": "application/vnd.apple.keynote",
		".keynote": "application/vnd.apple.keynote",
	})
	add(KindEmail, PreviewNone, map[string]string{".eml": "message/rfc822", ".msg": "application/vnd.ms-outlook"})
	add(KindCode, PreviewHTML, map[string]string{".htm": "text/html", ".html": "text/html", ".xhtml": "application/xhtml+xml"})
	add(KindCode, PreviewCode, map[string]string{
		".c": "text/x-c", ".cc": "text/x-c++", ".cpp": "text/x-c++", ".cs": "text/x-csharp", ".css": "text/css",
		".go": "text/x-go", ".h": "text/x-c", ".hpp": "text/x-c++", ".java": "text/x-java", ".js": "text/javascript",
		".jsx": "text/javascript", ".json": "application/json", ".kt": "text/x-kotlin", ".less": "text/x-less",
		".php": "application/x-httpd-php", ".pl": "text/x-perl", ".ps1": "text/plain", ".py": "text/x-python",
		".rb": "text/x-ruby", ".rs": "text/x-rust", ".sass": "text/x-sass", ".scss": "text/x-scss",
		".sh": "application/x-sh", ".sql": "application/sql", ".swift": "text/x-swift", ".ts": "text/x-typescript",
		".tsx": "text/x-typescript", ".vb": "text/x-vb", ".xml": "application/xml", ".yaml": "application/yaml",
		".yml": "application/yaml", ".toml": "application/toml",
	})
	add(KindText, PreviewText, map[string]string{
		".txt": "text/plain", ".md": "text/markdown", ".markdown": "text/markdown", ".csv": "text/csv",
		".log": "text/plain",
	})
	return m
}()

// extension returns the lower-case extension of name, e.g. ".png".
func extension(name string) string { return strings.ToLower(path.Ext(name)) }

// Kind derives a file's kind from its name, then from its media type.
func Kind(name, mediaType string) string {
	if k, ok := byExtension[extension(name)]; ok {
		return k.kind
	}
	top, sub, _ := strings.Cut(mediaType, "/")
	switch {
	case top == "image":
		return KindImage
	case top == "audio":
		return KindAudio
	case top == "video":
		return KindVideo
	case mediaType == "application/pdf":
		return KindDocument
	case mediaType == "message/rfc822":
		return KindEmail
	case mediaType == "text/html", mediaType == "application/json", mediaType == "application/xml", mediaType == "text/xml":
		return KindCode
	case top == "text":
		return KindText
	case sub == "zip", sub == "gzip", sub == "x-gzip", sub == "x-7z-compressed", sub == "x-tar", sub == "vnd.rar":
		return KindArchive
	}
	return KindFile
}

// PreviewFormat derives a file's preview format from its name, then from its media type.
func PreviewFormat(name, mediaType string) string {
	if k, ok := byExtension[extension(name)]; ok {
		return k.preview
	}
	top, _, _ := strings.Cut(mediaType, "/")
	switch {
	case mediaType == "image/png", mediaType == "image/jpeg", mediaType == "image/gif", mediaType == "image/webp",
		mediaType == "image/svg+xml", mediaType == "image/bmp", mediaType == "image/x-icon", mediaType == "image/apng":
		return PreviewImage
	case top == "audio":
		return PreviewAudio
	case top == "video":
		return PreviewVideo
	case mediaType == "application/pdf":
		return PreviewPDF
	case mediaType == "text/html":
		return PreviewHTML
	case mediaType == "application/json", mediaType == "application/xml", mediaType == "text/xml":
		return PreviewCode
	case top == "text":
		return PreviewText
	}
	return PreviewNone
}

// TypeByExtension returns the media type of a file name's extension, or "".
func TypeByExtension(name string) string {
	ext := extension(name)
	if k, ok := byExtension[ext]; ok {
		return k.mediaType
	}
	return baseType(mime.TypeByExtension(ext))
}

// genericSniffed are sniffing results that say little: the extension knows better
// (a .docx is a zip, a .csv plain text).
var genericSniffed = map[string]bool{
	"application/octet-stream": true,
	"text/plain":               true,
	"application/zip":          true,
	"text/xml":                 true,
	"application/x-gzip":       true,
}

// MediaType decides the media type of an upload: the part's Content-Type when it is specific
// (not empty, not application/octet-stream), else the sniffed type of head (the first 512 bytes),
// refined by the extension of name when sniffing only found a generic type.
func MediaType(partType, name string, head []byte) string {
	if mt := baseType(partType); mt != "" && mt != "application/octet-stream" {
		return mt
	}
	sniffed := baseType(http.DetectContentType(head))
	if genericSniffed[sniffed] {
		if byExt := TypeByExtension(name); byExt != "" {
			return byExt
		}
	}
	return sniffed
}

// baseType returns the lower-case media type of a Content-Type value without parameters, or "".
func baseType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || !strings.Contains(mt, "/") {
		return ""
	}
	return mt
}
