// Prints goldens.json: what Go's standard library prints for the inputs below. The C++ module
// core/go_format is tested against this file (tests/unit/core/go_format_test.cpp).
// Regenerate with:  go run tests/data/go-format/generate.go > tests/data/go-format/goldens.json
// (Debian: apt-get install golang-go). Only the standard library is used.
package main

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"
)

type floatCase struct {
	Bits string `json:"bits"` // IEEE 754 bits, hex
	G    string `json:"g"`    // strconv.FormatFloat(v, 'g', -1, 64)
	V    string `json:"v"`    // fmt.Sprint(v)
	JSON string `json:"json"` // json.Marshal(v); "" when Go refuses (NaN, Inf)
}

type regexpCase struct {
	Pattern string `json:"pattern"`
	Text    string `json:"text"`
	OK      bool   `json:"ok"`
	Error   string `json:"error,omitempty"` // regexp.Compile's error text
	Search  bool   `json:"search"`          // MatchString: some substring matches
	Full    bool   `json:"full"`            // the whole text matches
}

type quoteCase struct {
	In  string `json:"in"` // bytes, hex
	Out string `json:"out"`
}

type timeParseCase struct {
	In      string `json:"in"`
	OK      bool   `json:"ok"`
	Seconds int64  `json:"seconds"`
	Nanos   int64  `json:"nanos"`
	Rfc3339 string `json:"rfc3339"`
	Nano    string `json:"rfc3339Nano"`
}

type durationCase struct {
	In     string `json:"in"`
	OK     bool   `json:"ok"`
	Nanos  int64  `json:"nanos"`
	String string `json:"string"`
}

type base64Case struct {
	In    string `json:"in"` // text to decode
	OK    bool   `json:"ok"`
	Out   string `json:"out"` // decoded bytes, hex
	Error string `json:"error"`
	Reenc string `json:"reencoded"`
}

type valueCase struct {
	JSON string `json:"json"`
	V    string `json:"v"` // fmt.Sprint of the decoded value (see kubeNumbers)
	Q    string `json:"q"` // fmt.Sprintf("%q") of the same when it is a string, else ""
}

// kubeNumbers turns json.Numbers into int64 where they are integers and float64 otherwise, as
// Kubernetes' JSON decoding (k8s.io/apimachinery/pkg/util/json) does for interface{} values.
func kubeNumbers(v interface{}) interface{} {
	switch t := v.(type) {
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		f, _ := t.Float64()
		return f
	case []interface{}:
		for i := range t {
			t[i] = kubeNumbers(t[i])
		}
	case map[string]interface{}:
		for k := range t {
			t[k] = kubeNumbers(t[k])
		}
	}
	return v
}

func main() {
	floats := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 0.5, 2.5, -2.5, 100, 1e5, 123456,
		999999, 1e6, 1234567, 1234567.5, 12345.678, 1e20, 1e21, 1.5e21, 1e22, 0.0001, 0.00012,
		0.00001, 1e-6, 1.5e-7, 1e-7, 3.14159, 1.0 / 3, 2.0 / 3, 9007199254740993,
		math.MaxFloat64, math.SmallestNonzeroFloat64, 2.2250738585072014e-308, 1e100, -1e-100,
		math.NaN(), math.Inf(1), math.Inf(-1), 5e-324, 123e-20, 4.94e15, 1e15, 1e16}
	var fc []floatCase
	for _, f := range floats {
		c := floatCase{Bits: fmt.Sprintf("%016x", math.Float64bits(f)),
			G: strconv.FormatFloat(f, 'g', -1, 64), V: fmt.Sprint(f)}
		if b, err := json.Marshal(f); err == nil {
			c.JSON = string(b)
		}
		fc = append(fc, c)
	}

	quotes := []string{"", "hello", "a\"b", `back\slash`, "tab\there", "nl\n", "\a\b\f\r\v",
		"\x00", "\x01\x1f", "\x7f", "é", "日本語", "\xff", "a\xc3", "\xc3\x28", "\xed\xa0\x80",
		"\u00ad", "\u0085", "\u2028", "\ufeff", "\ufffd", "\U0001F600", "\u200b", "\u00a0",
		"\xf4\x90\x80\x80", "x\ty\"z"}
	var qc []quoteCase
	for _, q := range quotes {
		qc = append(qc, quoteCase{In: hex.EncodeToString([]byte(q)), Out: strconv.Quote(q)})
	}

	times := []string{"2026-11-25T14:46:12Z", "2026-11-25T14:46:12.5Z", "2026-11-25T14:46:12.120Z",
		"2026-11-25T14:46:12.123456789Z", "2026-11-25T14:46:12.1234567891Z",
		"2026-11-25T14:46:12+01:00", "2026-11-25T14:46:12-07:30", "2026-11-25T14:46:12,5Z",
		"2026-11-25t14:46:12z", "2026-11-25T14:46:12z", "2026-11-25 14:46:12Z", "2026-11-25T14:46Z",
		"2026-02-29T00:00:00Z", "2024-02-29T00:00:00Z", "2026-13-01T00:00:00Z",
		"2026-11-25T24:00:00Z", "2026-11-25T14:60:00Z", "2026-11-25T14:46:60Z", " 2026-11-25T14:46:12Z",
		"+2026-11-25T14:46:12Z", "2026-1-25T14:46:12Z", "0001-01-01T00:00:00Z", "1970-01-01T00:00:00Z",
		"9999-12-31T23:59:59Z", "2026-11-25T14:46:12", "2026-11-25T14:46:12+0100",
		"2026-11-25T14:46:12.Z", "yesterday", "", "2026-11-25T14:46:12Zjunk", "1969-12-31T23:59:59.5Z"}
	var tc []timeParseCase
	for _, s := range times {
		t, err := time.Parse(time.RFC3339, s)
		c := timeParseCase{In: s, OK: err == nil}
		if err == nil {
			c.Seconds, c.Nanos = t.Unix(), int64(t.Nanosecond())
			c.Rfc3339 = t.UTC().Format(time.RFC3339)
			c.Nano = t.UTC().Format(time.RFC3339Nano)
		}
		tc = append(tc, c)
	}

	durations := []string{"0", "1s", "60s", "1m", "1m30s", "90m", "1h", "2h45m", "1.5h", "500ms",
		"300ms", "1us", "1µs", "10ns", "-1s", "+5s", ".5s", "5.s", "1h2m3s4ms5us6ns", "",
		"5", "s", "1d", "1sm", "1 s", "9223372036854775807ns", "9223372036854775808ns",
		"2562047h", "2562048h", "0.0000000001s", "3m0.5s", "1e3s"}
	var dc []durationCase
	for _, s := range durations {
		d, err := time.ParseDuration(s)
		c := durationCase{In: s, OK: err == nil}
		if err == nil {
			c.Nanos, c.String = int64(d), d.String()
		}
		dc = append(dc, c)
	}

	texts := []string{"", "aGVsbG8=", "aGVsbG8", "aGVsbA==", "aGVs", "YQ==", "YWI=", "YQ",
		"YQ=", "Y===", "!!!!", "aGVs!G8=", "aGVsbG8=\n", "aGVs\nbG8=", "aGVs\r\nbG8=",
		"aGVsbG8=aGVs", "aGV-bG8_", "/+8=", "YR==", "YWJ=", "  ", "aGVsbG8==", "AA=="}
	var bc []base64Case
	for _, s := range texts {
		b, err := base64.StdEncoding.DecodeString(s)
		c := base64Case{In: s, OK: err == nil}
		if err == nil {
			c.Out = hex.EncodeToString(b)
			c.Reenc = base64.StdEncoding.EncodeToString(b)
		} else {
			c.Error = err.Error()
		}
		bc = append(bc, c)
	}

	values := []string{`null`, `true`, `12`, `-3`, `1.5`, `1234567.5`, `1e21`, `"text"`,
		`"with \"quotes\""`, `[1,"a",null]`, `{"b":1,"a":[true,{"c":"d"}]}`, `[]`, `{}`,
		`[[1,2],[3]]`, `0.000001`, `100000000`, `1.0`, `9223372036854775808`, `-0.0`}
	var vc []valueCase
	for _, s := range values {
		var v interface{}
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			panic(err)
		}
		v = kubeNumbers(v)
		c := valueCase{JSON: s, V: fmt.Sprint(v)}
		if str, ok := v.(string); ok {
			c.Q = fmt.Sprintf("%q", str)
		}
		vc = append(vc, c)
	}

	regexps := [][2]string{{"^[a-z][a-z0-9_]*$", "weather_1"}, {"^[a-z]+$", "Weather"},
		{"[0-9]", "abc123"}, {`\pL+`, "日本"}, {`^\p{Lu}[\pL\d]*$`, "Ábc9"}, {"(?i)abc", "xABCx"},
		{`\d+`, "x42"}, {`[[:alpha:]]+`, "abc"}, {"a|b", "b"}, {"a.c", "a\nc"}, {"(?s)a.c", "a\nc"},
		{"^$", ""}, {"x*", ""}, {"/api/v[0-9]+", "/api/v2/x"}, {`\bfoo\b`, "a foo b"},
		{"(a+)+$", strings.Repeat("a", 40) + "!"}, {"(", "x"}, {")", "x"}, {"[", "x"}, {"[z-a]", "x"},
		{"*", "x"}, {"a**", "x"}, {"a{1001}", "x"}, {"x{2,1}", "x"}, {`\8`, "x"}, {`a\`, "x"},
		{"(?<name>a)", "a"}, {"(?P<n>a)(?P<n>b)", "ab"}, {"(?z)", "x"}, {`(?=a)`, "a"},
		{`\Q.*\E`, ".*"}, {"[[:foo:]]", "x"}, {`\p{Foo}`, "x"}, {"a{,3}", "a{,3}"},
		{"((((((((((a))))))))))", "a"}, {"a{1000}", strings.Repeat("a", 1000)}}
	var rc []regexpCase
	for _, r := range regexps {
		c := regexpCase{Pattern: r[0], Text: r[1]}
		re, err := regexp.Compile(r[0])
		if err != nil {
			c.Error = err.Error()
		} else {
			c.OK, c.Search = true, re.MatchString(r[1])
			c.Full = regexp.MustCompile("^(?:" + r[0] + ")$").MatchString(r[1])
		}
		rc = append(rc, c)
	}

	out := map[string]interface{}{"go": runtime.Version(), "floats": fc, "quotes": qc,
		"rfc3339": tc, "durations": dc, "base64": bc, "values": vc, "regexps": rc}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		panic(err)
	}
}
