package mpesa

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
)

// parseCertificate returns the RSA public key of the first certificate in pemBytes.
func parseCertificate(pemBytes []byte) (*rsa.PublicKey, error) {
	for rest := pemBytes; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errors.New("no CERTIFICATE block in PEM")
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse certificate: %w", err)
		}
		pub, ok := cert.PublicKey.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("certificate key is %T, not RSA", cert.PublicKey)
		}
		return pub, nil
	}
}

// securityCredential encrypts the initiator password for Daraja. PKCS #1 v1.5 is what
// Daraja decrypts; nothing here chooses it. The padding is random, so every call gives a
// different credential and Daraja accepts each.
func (c *Client) securityCredential() (string, error) {
	if c.cert == nil {
		return "", ErrNoCertificate
	}
	//lint:ignore SA1019 Daraja's protocol, not our choice of padding.
	enc, err := rsa.EncryptPKCS1v15(rand.Reader, c.cert, []byte(c.password))
	if err != nil {
		return "", fmt.Errorf("security credential: %w", err)
	}
	return base64.StdEncoding.EncodeToString(enc), nil
}
