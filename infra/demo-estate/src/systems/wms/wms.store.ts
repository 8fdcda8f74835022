/**
 * The warehouse's own copy: shipments per sales order with milestone timestamps; ship-to names and
 * addresses in upper case as printed on labels, countries as ISO-2.
 */
import type { CustomerTruth, Milestone, OrderTruth } from '../../generator/estate-generator';
import { Journal, RecordTable } from '../../store/record-table';

export interface WmsShipment {
  id: string;
  order_number: string;
  customer_number: string;
  ship_to: {
    name: string;
    address_1: string;
    address_2: string;
    city: string;
    postal_code: string;
    state: string;
    country: string;
  };
  carrier: string;
  tracking_number: string;
  status: Milestone;
  milestones: { status: Milestone; at: string }[];
  created_at: string;
}

export class WmsStore {
  readonly shipments: RecordTable<WmsShipment>;
  private readonly byOrder = new Map<string, string>();

  constructor(journal = new Journal(null)) {
    this.shipments = new RecordTable<WmsShipment>('shipments', (s) => s.id, journal);
  }

  put(shipment: WmsShipment, modifiedAt: number, journaled = true): void {
    this.byOrder.set(shipment.order_number, shipment.id);
    if (journaled) this.shipments.put(shipment, modifiedAt);
    else this.shipments.load(shipment, modifiedAt);
  }

  shipmentIdForOrder(orderNumber: string): string | undefined {
    return this.byOrder.get(orderNumber);
  }
}

export function wmsShipmentOf(
  customer: CustomerTruth,
  order: OrderTruth,
): { record: WmsShipment; modifiedAt: number } | null {
  const s = order.shipment;
  if (!s) return null;
  const last = s.milestones[s.milestones.length - 1];
  const a = customer.shipping;
  return {
    record: {
      id: s.shipmentId,
      order_number: order.orderNumber,
      customer_number: customer.customerNumber,
      ship_to: {
        name: customer.legalName.toUpperCase(),
        address_1: a.line1.toUpperCase(),
        address_2: a.line2.toUpperCase(),
        city: a.city.toUpperCase(),
        postal_code: a.postalCode,
        state: a.region.toUpperCase(),
        country: a.country,
      },
      carrier: s.carrier,
      tracking_number: s.trackingNumber,
      status: last.status,
      milestones: s.milestones.map((m) => ({ status: m.status, at: new Date(m.at).toISOString() })),
      created_at: new Date(s.milestones[0].at).toISOString(),
    },
    modifiedAt: last.at,
  };
}
