package telecom

import "context"

// Send is the charge job's body, for tests.
func (s *Service) Send(ctx context.Context, id string) error { return s.send(ctx, id) }

// RefundNow makes every requested refund at the front-end, as the jobs would.
func (s *Service) RefundNow(ctx context.Context) error {
	var ids []string
	if err := s.DB.WithContext(ctx).Raw("SELECT id FROM telecom_refunds WHERE state = 'requested' ORDER BY created_at").Scan(&ids).Error; err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.Refund(ctx, id); err != nil {
			return err
		}
	}
	return nil
}
