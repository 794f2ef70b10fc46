package weavy

import (
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/fileemu/fileemu/internal/media"
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
	kind, preview string
}

// byExtension maps lower-case extensions (".png") to their kind and preview format: Weavy derives
// both from the name. Media types come from the one table of package media.
var byExtension = func() map[string]fileKind {
	m := map[string]fileKind{}
	add := func(kind, preview string, exts ...string) {
		for _, ext := range exts {
			m[ext] = fileKind{kind, preview}
		}
	}
	add(KindArchive, PreviewNone, ".7z", ".zip", ".rar", ".tar", ".gz", ".tgz", ".bz2", ".xz")
	add(KindAudio, PreviewAudio, ".aac", ".aif", ".aiff", ".au", ".flac", ".gsm", ".m4a", ".mid", ".midi", ".mka", ".mp3", ".oga", ".ogg", ".opus", ".ra", ".ram", ".snd", ".spx", ".wav", ".wma")
	add(KindVideo, PreviewVideo, ".3g2", ".3gp", ".asf", ".asx", ".avi", ".flv", ".m4v", ".mk3d", ".mkv", ".mov", ".mp4", ".mpeg", ".mpg", ".ogm", ".ogv", ".qt", ".webm", ".wmv")
	add(KindImage, PreviewImage, ".apng", ".avif", ".bmp", ".gif", ".ico", ".jpg", ".jpeg", ".png", ".svg", ".webp")
	add(KindImage, PreviewNone, ".ai", ".emf", ".eps", ".heic", ".psd", ".tif", ".tiff", ".wmf")
	add(KindDocument, PreviewPDF, ".pdf", ".doc", ".dot", ".docm", ".docx", ".dotm", ".dotx", ".odt", ".rtf", ".pages")
	add(KindSpreadsheet, PreviewPDF, ".xls", ".xlsm", ".xlsx", ".xltx", ".ods", ".numbers")
	add(KindPresentation, PreviewPDF, ".ppt", ".pptm", ".pptx", ".potx", ".odp", ".key", ".keynote")
	add(KindEmail, PreviewNone, ".eml", ".msg")
	add(KindCode, PreviewHTML, ".htm", ".html", ".xhtml")
	add(KindCode, PreviewCode, ".c", ".cc", ".cpp", ".cs", ".css", ".go", ".h", ".hpp", ".java", ".js", ".jsx", ".json", ".kt", ".less", ".php", ".pl", ".ps1", ".py", ".rb", ".rs", ".sass", ".scss", ".sh", ".sql", ".swift", ".ts", ".tsx", ".vb", ".xml", ".yaml", ".yml", ".toml")
	add(KindText, PreviewText, ".txt", ".md", ".markdown", ".csv", ".log")
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
		mediaType == "image/svg+xml", mediaType == "image/bmp", mediaType == "image/vnd.microsoft.icon", mediaType == "image/x-icon", mediaType == "image/apng":
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
		if byExt := media.TypeByExtension(name); byExt != "" {
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
