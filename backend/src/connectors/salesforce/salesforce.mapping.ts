import type { ConnectorMapping } from '../mapping/entity-mapping';

const ORDER_STATUS = {
  Draft: 'draft',
  Confirmed: 'confirmed',
  'In Fulfillment': 'processing',
  Shipped: 'shipped',
  Delivered: 'delivered',
  Cancelled: 'cancelled',
  'On Hold': 'on_hold',
};

const MILESTONE = { Picked: 'picked', Packed: 'packed', Shipped: 'shipped', Delivered: 'delivered' };

/**
 * Salesforce Account / Contact / Opportunity / Shipment__c fields → canonical (defaults; installations
 * override). Shipment__c is the custom object a WMS integration fills, one record per shipment under
 * its order's Opportunity.
 */
export const SALESFORCE_MAPPING: ConnectorMapping = {
  customer: {
    key: 'Id',
    updatedAt: 'LastModifiedDate',
    fields: {
      customerNumber: { from: 'ERP_Customer_Number__c', normalize: 'string' },
      legalName: { from: 'Name', normalize: 'string', required: true },
      taxId: { from: 'Tax_Id__c', normalize: 'string' },
      country: { from: 'BillingCountry', normalize: 'country', writable: false },
      'billingAddress.line1': { from: 'BillingStreet', normalize: 'string' },
      'billingAddress.city': { from: 'BillingCity', normalize: 'string' },
      'billingAddress.postalCode': { from: 'BillingPostalCode', normalize: 'string' },
      'billingAddress.region': { from: 'BillingState', normalize: 'string' },
      'billingAddress.country': { from: 'BillingCountry', normalize: 'country', writable: false },
      'shippingAddress.line1': { from: 'ShippingStreet', normalize: 'string' },
      'shippingAddress.city': { from: 'ShippingCity', normalize: 'string' },
      'shippingAddress.postalCode': { from: 'ShippingPostalCode', normalize: 'string' },
      'shippingAddress.region': { from: 'ShippingState', normalize: 'string' },
      'shippingAddress.country': { from: 'ShippingCountry', normalize: 'country', writable: false },
      parentKey: { from: 'ParentId', normalize: 'string' },
      status: {
        from: 'Account_Status__c',
        valueMap: { Active: 'active', Inactive: 'inactive', Blocked: 'blocked', Prospect: 'prospect' },
      },
      phone: { from: 'Phone', normalize: 'phone', writable: false },
      email: { from: 'Email__c', normalize: 'email' },
      accountTeam: { from: 'Account_Team__c', normalize: 'string' },
    },
  },
  credit_profile: {
    key: 'Id',
    updatedAt: 'LastModifiedDate',
    fields: {
      customerKey: { from: 'Id', writable: false },
      customerNumber: { from: 'ERP_Customer_Number__c', normalize: 'string', writable: false },
      creditLimit: { from: 'Credit_Limit__c', normalize: 'number' },
      currency: { from: 'CurrencyIsoCode', normalize: 'upper' },
      paymentTerms: {
        from: 'Payment_Terms__c',
        // Written back in Salesforce's picklist spelling.
        valueMap: {
          'Net 15': 'NET15',
          'Net 30': 'NET30',
          'Net 45': 'NET45',
          'Net 60': 'NET60',
          'Net 90': 'NET90',
          'Cash on Delivery': 'COD',
          Prepaid: 'PREPAID',
        },
        normalize: 'paymentTerms',
      },
      creditHold: { from: 'Credit_Hold__c', normalize: 'boolean' },
    },
  },
  contact: {
    key: 'Id',
    updatedAt: 'LastModifiedDate',
    fields: {
      customerKey: { from: 'AccountId', normalize: 'string', writable: false },
      customerNumber: { from: 'Account.ERP_Customer_Number__c', normalize: 'string', writable: false },
      firstName: { from: 'FirstName', normalize: 'string' },
      lastName: { from: 'LastName', normalize: 'string', required: true },
      email: { from: 'Email', normalize: 'email' },
      phone: { from: 'Phone', normalize: 'phone', countryFrom: 'Account.BillingCountry', writable: false },
      title: { from: 'Title', normalize: 'string' },
    },
  },
  order: {
    key: 'Id',
    updatedAt: 'LastModifiedDate',
    fields: {
      orderNumber: { from: 'ERP_Order_Number__c', normalize: 'string' },
      customerKey: { from: 'AccountId', normalize: 'string', writable: false },
      customerNumber: { from: 'Account.ERP_Customer_Number__c', normalize: 'string', writable: false },
      status: { from: 'Order_Status__c', valueMap: ORDER_STATUS },
      statusChangedAt: { from: 'Order_Status_Changed__c', normalize: 'date', writable: false },
      total: { from: 'Amount', normalize: 'number' },
      currency: { from: 'CurrencyIsoCode', normalize: 'upper' },
    },
  },
  shipment: {
    key: 'Id',
    updatedAt: 'LastModifiedDate',
    // Milestone_Date__c is the warehouse's time, copied: the CRM got the milestone when the record changed.
    transitionsAt: 'updatedAt',
    fields: {
      orderNumber: { from: 'Opportunity__r.ERP_Order_Number__c', normalize: 'string', required: true, writable: false },
      milestone: { from: 'Milestone__c', valueMap: MILESTONE },
      milestoneAt: { from: 'Milestone_Date__c', normalize: 'date' },
      carrier: { from: 'Carrier__c', normalize: 'string' },
      trackingNumber: { from: 'Tracking_Number__c', normalize: 'string' },
    },
  },
};

/** Which sObject carries each entity. */
export const SALESFORCE_OBJECT = {
  customer: 'Account',
  credit_profile: 'Account',
  contact: 'Contact',
  order: 'Opportunity',
  shipment: 'Shipment__c',
} as const;
