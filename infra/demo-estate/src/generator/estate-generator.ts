/**
 * The distributor's estate as it really is (the "truth"), one customer bundle at a time. Bundles are
 * derived from (seed, customer index) only, so generation streams with flat memory and any customer can
 * be regenerated on its own. Each system's copy is mapped from these bundles in its own vocabulary.
 */
import { mixSeed, Prng } from './prng';
import {
  CARRIERS,
  COMPANY_PREFIXES,
  COMPANY_WORDS,
  COUNTRIES,
  COUNTRY_WEIGHTS,
  JOB_TITLES,
  PAYMENT_TERMS_WEIGHTS,
  SALES_REPS,
  TICKET_SUBJECTS,
  type City,
  type CountryCode,
  type PaymentTermsCode,
} from './reference-data';

export const MAX_CONTACTS_PER_CUSTOMER = 4;
export const MAX_ORDERS_PER_CUSTOMER = 5;
export const MAX_TICKETS_PER_CUSTOMER = 3;

const DAY = 86_400_000;
const HOUR = 3_600_000;

export interface AddressTruth {
  line1: string;
  line2: string;
  city: string;
  postalCode: string;
  region: string;
  country: CountryCode;
}

export interface PhoneTruth {
  callingCode: string;
  /** National significant number: area code + subscriber, no trunk prefix. */
  areaCode: string;
  subscriber: string;
}

export interface ContactTruth {
  contactIndex: number;
  firstName: string;
  lastName: string;
  email: string;
  phone: PhoneTruth;
  title: string;
  createdAt: number;
  modifiedAt: number;
}

export const ORDER_FLOW = ['draft', 'confirmed', 'processing', 'shipped', 'delivered'] as const;
export type OrderStatus = (typeof ORDER_FLOW)[number] | 'cancelled';
export const MILESTONES = ['picked', 'packed', 'shipped', 'delivered'] as const;
export type Milestone = (typeof MILESTONES)[number];

export interface StatusChange<S extends string> {
  status: S;
  at: number;
}

export interface ShipmentTruth {
  shipmentId: string;
  carrier: string;
  trackingNumber: string;
  milestones: StatusChange<Milestone>[];
}

export interface OrderTruth {
  orderIndex: number;
  orderNumber: string;
  status: OrderStatus;
  history: StatusChange<OrderStatus>[];
  total: number;
  currency: string;
  createdAt: number;
  shipment: ShipmentTruth | null;
}

export type TicketStatus = 'new' | 'open' | 'pending' | 'solved' | 'closed';
export interface TicketTruth {
  ticketIndex: number;
  subject: string;
  status: TicketStatus;
  priority: 'low' | 'normal' | 'high' | 'urgent';
  orderNumber: string;
  createdAt: number;
  modifiedAt: number;
}

export interface CustomerTruth {
  index: number;
  customerNumber: string;
  /** Name without the legal form, e.g. `Summit Hardware`. */
  tradingName: string;
  legalSuffix: string;
  legalName: string;
  country: CountryCode;
  dataAreaId: string;
  currency: string;
  taxId: string;
  phone: PhoneTruth;
  email: string;
  website: string;
  billing: AddressTruth;
  shipping: AddressTruth;
  /** Index of the parent customer, -1 when none. Always smaller than `index`. */
  parentIndex: number;
  status: 'active' | 'blocked';
  accountTeam: string;
  credit: { limit: number; paymentTerms: PaymentTermsCode; hold: boolean };
  createdAt: number;
  modifiedAt: number;
  contacts: ContactTruth[];
  orders: OrderTruth[];
  tickets: TicketTruth[];
}

export interface GeneratorOptions {
  seed: number;
  /** The estate's "now" (ms since epoch): every generated timestamp is at or before it. */
  epoch: number;
}

export function customerNumberOf(index: number): string {
  return `C${String(index + 1).padStart(6, '0')}`;
}

export function orderNumberOf(orderIndex: number): string {
  return `SO-${String(orderIndex + 1).padStart(7, '0')}`;
}

function slug(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');
}

function phoneOf(rng: Prng, country: CountryCode, areaCode: string): PhoneTruth {
  const profile = COUNTRIES[country];
  // US 555-01xx numbers are reserved for fiction; elsewhere random subscriber digits.
  const subscriber =
    country === 'US' ? `55501${rng.digits(2)}` : String(rng.between(2, 9)) + rng.digits(profile.subscriberDigits - 1);
  return { callingCode: profile.callingCode, areaCode, subscriber };
}

/** An address in `country`; in `at` when given (the customer's own city), else in a city of its own. */
function addressOf(rng: Prng, country: CountryCode, withLine2: boolean, at?: City): AddressTruth {
  const profile = COUNTRIES[country];
  // Drawn even when `at` is given: the stream stays as it was, so nothing else about a customer changes.
  const drawn = rng.pick(profile.cities);
  const city = at ?? drawn;
  return {
    line1: profile.streetLine(rng.pick(profile.streets), rng.between(1, 2400)),
    line2: withLine2 ? profile.line2(rng) : '',
    city: city.name,
    postalCode: city.postal(rng),
    region: city.region,
    country,
  };
}

/** Countries are drawn from their own stream so a customer's country is cheap to compute. */
export function countryOf(seed: number, index: number): CountryCode {
  return new Prng(mixSeed(seed, index, 7)).weighted(COUNTRY_WEIGHTS);
}

export function generateCustomer(options: GeneratorOptions, index: number): CustomerTruth {
  const rng = new Prng(mixSeed(options.seed, index, 1));
  const country = countryOf(options.seed, index);
  const profile = COUNTRIES[country];
  const city = rng.pick(profile.cities);

  const tradingName =
    rng.weighted([
      [0, 4],
      [1, 3],
      [2, 2],
    ] as const) === 0
      ? `${rng.pick(profile.lastNames)} ${rng.pick(COMPANY_WORDS)}`
      : rng.chance(0.6)
        ? `${rng.pick(COMPANY_PREFIXES)} ${rng.pick(COMPANY_WORDS)}`
        : `${rng.pick(profile.lastNames)} & ${rng.pick(profile.lastNames)}`;
  const legalSuffix = rng.pick(profile.legalSuffixes);
  const domain = `${slug(tradingName)}${index % 997}.${profile.tld}`;

  const createdAt = options.epoch - rng.between(30, 3 * 365) * DAY - rng.int(DAY);
  let modifiedAt = createdAt + Math.floor(rng.next() * (options.epoch - createdAt));
  // The billing address is in the customer's city, its postal code too.
  const billing = addressOf(rng, country, rng.chance(0.5), city);
  const shipping = rng.chance(0.7) ? { ...billing } : addressOf(rng, country, rng.chance(0.3));

  const parentIndex = index >= 10 && rng.chance(0.12) ? index - 1 - rng.int(Math.min(index, 200)) : -1;

  const contacts: ContactTruth[] = [];
  const contactCount = rng.between(1, 2);
  for (let k = 0; k < contactCount; k++) {
    const firstName = rng.pick(profile.firstNames);
    const lastName = rng.pick(profile.lastNames);
    const cCreated = createdAt + rng.int(30) * DAY;
    contacts.push({
      contactIndex: index * MAX_CONTACTS_PER_CUSTOMER + k,
      firstName,
      lastName,
      email: contactEmail(firstName, lastName, domain, contacts),
      phone: phoneOf(rng, country, city.area),
      title: rng.pick(JOB_TITLES),
      createdAt: cCreated,
      modifiedAt: Math.max(cCreated, Math.min(options.epoch, cCreated + rng.int(400) * DAY)),
    });
  }

  const orders: OrderTruth[] = [];
  const orderCount = rng.weighted([
    [0, 2],
    [1, 4],
    [2, 3],
    [3, 1],
  ] as const);
  for (let k = 0; k < orderCount; k++) {
    const orderIndex = index * MAX_ORDERS_PER_CUSTOMER + k;
    const orderNumber = orderNumberOf(orderIndex);
    const oCreated = options.epoch - rng.between(0, 120) * DAY - rng.int(DAY);
    const history: StatusChange<OrderStatus>[] = [{ status: 'draft', at: oCreated }];
    const cancelled = rng.chance(0.05);
    const target = cancelled
      ? 1 + rng.int(2)
      : rng.weighted([
          [1, 1],
          [2, 1],
          [3, 1],
          [4, 5],
        ] as const);
    let at = oCreated;
    for (let s = 1; s <= target; s++) {
      at += rng.between(1, 48) * HOUR;
      if (at > options.epoch) break;
      history.push({ status: ORDER_FLOW[s], at });
    }
    if (cancelled && at + 6 * HOUR <= options.epoch) history.push({ status: 'cancelled', at: at + 6 * HOUR });
    const status = history[history.length - 1].status;
    let shipment: ShipmentTruth | null = null;
    const processing = history.find((h) => h.status === 'processing');
    if (processing && status !== 'cancelled') {
      const milestones: StatusChange<Milestone>[] = [
        { status: 'picked', at: processing.at + rng.between(1, 6) * HOUR },
      ];
      const shipped = history.find((h) => h.status === 'shipped');
      const delivered = history.find((h) => h.status === 'delivered');
      if (shipped) {
        milestones.push({ status: 'packed', at: Math.min(shipped.at - 1_000, milestones[0].at + HOUR) });
        milestones.push({ status: 'shipped', at: shipped.at });
      }
      if (delivered) milestones.push({ status: 'delivered', at: delivered.at });
      // Milestones never run past the estate's "now".
      for (const m of milestones) m.at = Math.min(m.at, options.epoch);
      const carrier = rng.pick(CARRIERS);
      shipment = {
        shipmentId: `SHP-${String(orderIndex + 1).padStart(8, '0')}`,
        carrier,
        trackingNumber: carrier === 'UPS' ? `1Z${rng.letters(3)}${rng.digits(13)}` : rng.digits(12),
        milestones,
      };
    }
    orders.push({
      orderIndex,
      orderNumber,
      status,
      history,
      total: Math.round(rng.between(50, 25_000) * 100 + rng.int(100)) / 100,
      currency: profile.currency,
      createdAt: oCreated,
      shipment,
    });
  }

  const tickets: TicketTruth[] = [];
  const ticketCount = rng.weighted([
    [0, 5],
    [1, 3],
    [2, 1],
  ] as const);
  for (let k = 0; k < ticketCount; k++) {
    const tCreated = options.epoch - rng.between(0, 200) * DAY - rng.int(DAY);
    tickets.push({
      ticketIndex: index * MAX_TICKETS_PER_CUSTOMER + k,
      subject: rng.pick(TICKET_SUBJECTS),
      status: rng.weighted([
        ['new', 1],
        ['open', 3],
        ['pending', 2],
        ['solved', 3],
        ['closed', 4],
      ] as const),
      priority: rng.weighted([
        ['low', 2],
        ['normal', 5],
        ['high', 2],
        ['urgent', 1],
      ] as const),
      orderNumber: orders.length > 0 ? rng.pick(orders).orderNumber : '',
      createdAt: tCreated,
      modifiedAt: Math.min(options.epoch, tCreated + rng.int(10) * DAY),
    });
  }

  const creditLimit = rng.between(5, 500) * 1000;
  modifiedAt = Math.min(options.epoch, Math.max(modifiedAt, createdAt));
  const customer: CustomerTruth = {
    index,
    customerNumber: customerNumberOf(index),
    tradingName,
    legalSuffix,
    legalName: `${tradingName} ${legalSuffix}`,
    country,
    dataAreaId: profile.dataAreaId,
    currency: profile.currency,
    taxId: profile.taxId(rng),
    phone: phoneOf(rng, country, city.area),
    email: `${rng.pick(['ap', 'accounts', 'purchasing', 'info', 'orders'])}@${domain}`,
    website: `https://www.${domain}`,
    billing,
    shipping,
    parentIndex,
    status: rng.chance(0.04) ? 'blocked' : 'active',
    accountTeam: rng.pick(SALES_REPS),
    credit: { limit: creditLimit, paymentTerms: rng.weighted(PAYMENT_TERMS_WEIGHTS), hold: rng.chance(0.03) },
    createdAt,
    modifiedAt,
    contacts,
    orders,
    tickets,
  };
  // A customer blocked for all transactions is on credit hold too: the ERP's one on-hold status
  // (F&O OnHoldStatus All) says both, so the CRM's credit hold flag carries it as well.
  if (customer.status === 'blocked') customer.credit.hold = true;
  return customer;
}

/** E.164 form of a phone. */
/**
 * The area code as dialled after the calling code: Italy keeps the leading 0 of its area codes from
 * abroad too (+39 051 …, a Bologna number); elsewhere that 0 is a trunk prefix, dropped (+49 30 …).
 */
export function areaCodeAbroad(phone: PhoneTruth): string {
  return phone.callingCode === '39' ? `0${phone.areaCode}` : phone.areaCode;
}

export function e164(phone: PhoneTruth): string {
  return `+${phone.callingCode}${areaCodeAbroad(phone)}${phone.subscriber}`;
}

/** Lazily yields customers `from..to-1`; memory stays flat however many are asked for. */
export function* generateCustomers(options: GeneratorOptions, count: number, from = 0): Generator<CustomerTruth> {
  for (let i = from; i < from + count; i++) yield generateCustomer(options, i);
}

/** first.last@domain, numbered when a colleague already has it: the email is a contact's match key. */
function contactEmail(
  firstName: string,
  lastName: string,
  domain: string,
  colleagues: readonly ContactTruth[],
): string {
  const local = `${slug(firstName)}.${slug(lastName)}`;
  const taken = new Set(colleagues.map((c) => c.email));
  let email = `${local}@${domain}`;
  for (let n = 2; taken.has(email); n++) email = `${local}${n}@${domain}`;
  return email;
}
