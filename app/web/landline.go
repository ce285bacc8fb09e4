package web

import "github.com/labstack/echo/v4"

// landlinePages are the buyer's landline pages and the seller's view of
// money waiting for the operator.
func (s *Server) landlinePages(b, sg *echo.Group) {}

// landlineActions are what buyers do with their landline and cards.
func (s *Server) landlineActions() []action { return nil }

// landlineReads are the API twins of the landline pages.
func (s *Server) landlineReads() []read { return nil }
