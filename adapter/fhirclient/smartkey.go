package fhirclient

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/golang-jwt/jwt/v5"
)

// minRSABits follows the SMART Backend Services requirement that RSA keys
// be at least 2048 bits.
const minRSABits = 2048

// parsePrivateKey reads the first PEM block of pemBytes and picks the
// signing algorithm from the key: RS384 for RSA, ES384 for P-384 EC, the two
// algorithms SMART Backend Services requires servers to support. Encrypted
// PEM is not accepted: the key is expected to come from a secret store.
func parsePrivateKey(pemBytes []byte) (any, jwt.SigningMethod, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, nil, errors.New("fhirclient: SMART private key: no PEM block")
	}
	var (
		key any
		err error
	)
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		return nil, nil, fmt.Errorf("fhirclient: SMART private key: unsupported PEM block %q", block.Type)
	}
	if err != nil {
		// The parse error says nothing secret, but keep it generic anyway:
		// it is about key material.
		return nil, nil, errors.New("fhirclient: SMART private key: cannot parse")
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < minRSABits {
			return nil, nil, fmt.Errorf("fhirclient: SMART private key: RSA key under %d bits", minRSABits)
		}
		return k, jwt.SigningMethodRS384, nil
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P384() {
			return nil, nil, errors.New("fhirclient: SMART private key: ES384 needs a P-384 key")
		}
		return k, jwt.SigningMethodES384, nil
	}
	return nil, nil, fmt.Errorf("fhirclient: SMART private key: %T is not RSA or ECDSA", key)
}
