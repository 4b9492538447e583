// Package jsonrec reads JSON Lines records keeping their keys in order,
// picks values by dotted paths and writes them back bare or as compact
// JSON: the machinery of the CLI's --field, apart from its messages.
package jsonrec

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// Pick follows path from v. It returns the values found, or the first name
// that is missing and the object it is missing from.
func Pick(v any, path []string) (vals []any, missing string, where *Object) {
	if len(path) == 0 {
		return []any{v}, "", nil
	}
	switch t := v.(type) {
	case *Object:
		child, ok := t.Vals[path[0]]
		if !ok {
			return nil, path[0], t
		}
		return Pick(child, path[1:])
	case []any:
		for _, e := range t {
			got, miss, at := Pick(e, path)
			if miss != "" {
				return nil, miss, at
			}
			vals = append(vals, got...)
		}
		return vals, "", nil
	}
	return nil, path[0], nil
}

// WriteBare writes one value as --field prints it: a string without
// quotes, null as an empty line, an array one element per line, anything
// else as one line of compact JSON.
func WriteBare(w *bytes.Buffer, v any) {
	switch t := v.(type) {
	case nil:
		w.WriteByte('\n')
	case string:
		w.WriteString(t)
		w.WriteByte('\n')
	case []any:
		for _, e := range t {
			WriteBare(w, e)
		}
	default:
		WriteJSON(w, v)
		w.WriteByte('\n')
	}
}

// Object is a JSON object that keeps its keys in order.
type Object struct {
	Keys []string
	Vals map[string]any
}

// Has reports whether the object has the key k.
func (o *Object) Has(k string) bool { _, ok := o.Vals[k]; return ok }

// Decode decodes one JSON value: objects as *Object, arrays as
// []any, numbers as json.Number.
func Decode(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("more than one value on the line")
	}
	return v, nil
}

func decodeValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		o := &Object{Vals: map[string]any{}}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			k, _ := kt.(string)
			v, err := decodeValue(dec)
			if err != nil {
				return nil, err
			}
			if _, dup := o.Vals[k]; !dup {
				o.Keys = append(o.Keys, k)
			}
			o.Vals[k] = v
		}
		_, err := dec.Token() // '}'
		return o, err
	case json.Delim('['):
		a := []any{}
		for dec.More() {
			v, err := decodeValue(dec)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		_, err := dec.Token() // ']'
		return a, err
	}
	return tok, nil
}

// WriteJSON writes v as compact JSON, objects in their original key
// order.
func WriteJSON(w *bytes.Buffer, v any) {
	switch t := v.(type) {
	case *Object:
		w.WriteByte('{')
		for i, k := range t.Keys {
			if i > 0 {
				w.WriteByte(',')
			}
			WriteJSON(w, k)
			w.WriteByte(':')
			WriteJSON(w, t.Vals[k])
		}
		w.WriteByte('}')
	case []any:
		w.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				w.WriteByte(',')
			}
			WriteJSON(w, e)
		}
		w.WriteByte(']')
	case json.Number:
		w.WriteString(t.String())
	default:
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(t)
		w.Write(bytes.TrimRight(b.Bytes(), "\n"))
	}
}
