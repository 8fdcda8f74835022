import type { ConnectorMapping } from '../mapping/entity-mapping';

export const WMS_MAPPING: ConnectorMapping = {
  shipment: {
    key: 'id',
    updatedAt: 'updated_at',
    fields: {
      orderNumber: { from: 'order_number', normalize: 'string', required: true, writable: false },
      milestone: { from: 'status', normalize: 'string' },
      milestoneAt: { from: 'milestoneAt', normalize: 'date', writable: false },
      carrier: { from: 'carrier', normalize: 'string', writable: false },
      trackingNumber: { from: 'tracking_number', normalize: 'string', writable: false },
    },
  },
};

export const MILESTONES = ['picked', 'packed', 'shipped', 'delivered'] as const;
