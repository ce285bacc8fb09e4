package web

import "github.com/labstack/echo/v4"

// telecomOpsPages are the operators' pages of fixed-line charging.
func (s *Server) telecomOpsPages(og *echo.Group) {}

// telecomOpsActions are what operators do with charges and advances.
func (s *Server) telecomOpsActions() []action { return nil }

// telecomOpsReads are the API twins of the operators' telecom pages.
func (s *Server) telecomOpsReads() []read { return nil }
