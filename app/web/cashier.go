package web

func (s *Server) cashierRoutes() {}
