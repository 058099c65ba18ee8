package fhirclient

import "strings"

// Base returns the server's base URL without the trailing slash, e.g.
// "https://fhir.example.org/fhir": what a transaction entry's fullUrl
// ({base}/{Type}/{id}) starts with.
func (c *Client) Base() string { return strings.TrimSuffix(c.base.String(), "/") }
