package web

import (
	"strings"

	"golang.org/x/net/html"
)

// find returns the first element under n with the given tag that has the attribute key
// (any value when val is empty), or nil. An empty key matches any element of the tag.
func find(n *html.Node, tag, key, val string) *html.Node {
	if n == nil {
		return nil
	}
	if n.Type == html.ElementNode && n.Data == tag && (key == "" || hasAttr(n, key, val)) {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := find(c, tag, key, val); f != nil {
			return f
		}
	}
	return nil
}

// cell returns the element in the row of Datastream ds that has the attribute key.
func cell(doc *html.Node, ds, key, val string) *html.Node {
	row := find(doc, "tr", "data-datastream", ds)
	for _, tag := range []string{"td", "abbr", "time"} {
		if f := find(row, tag, key, val); f != nil {
			return f
		}
	}
	return nil
}

// hasAttr reports whether n has the attribute key, with value val unless val is empty.
func hasAttr(n *html.Node, key, val string) bool {
	for _, a := range n.Attr {
		if a.Key == key && (val == "" || a.Val == val) {
			return true
		}
	}
	return false
}

// attr returns n's attribute key, or "".
func attr(n *html.Node, key string) string {
	if n == nil {
		return ""
	}
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// text returns the text under n, trimmed.
func text(n *html.Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}
