package sim

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/subtle"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"time"

	"github.com/gofiber/fiber/v2"
)

// newCertificate makes the key pair that stands in for Safaricom's: clients encrypt the
// initiator password to its public key exactly as they do to Safaricom's certificate.
func newCertificate(now time.Time) (*rsa.PrivateKey, []byte, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, fmt.Errorf("generate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, nil, fmt.Errorf("serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "Kikundi Daraja Simulator", Organization: []string{"Kikundi"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(10, 0, 0),
		KeyUsage:     x509.KeyUsageKeyEncipherment | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("create certificate: %w", err)
	}
	return key, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

// initiatorOK is Daraja's check of Initiator and SecurityCredential. A failure is not
// refused at once: like Daraja, the request is accepted and its result says 2001.
func (s *Sim) initiatorOK(name, credential string) bool {
	if name != s.opts.Initiator {
		return false
	}
	ct, err := decodeBase64(credential)
	if err != nil {
		return false
	}
	pt, err := rsa.DecryptPKCS1v15(nil, s.key, ct) //nolint:staticcheck // Daraja's scheme, not our choice
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(pt, []byte(s.opts.InitiatorPassword)) == 1
}

func (s *Sim) handleCertPEM(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, "application/x-pem-file")
	return c.Send(s.certPEM)
}

// decodeBase64 takes standard base64 with or without padding, since clients differ.
func decodeBase64(v string) ([]byte, error) {
	if b, err := base64.StdEncoding.DecodeString(v); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(v)
}
