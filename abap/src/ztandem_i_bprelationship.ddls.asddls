@AccessControl.authorizationCheck: #NOT_REQUIRED
@EndUserText.label: 'Tandem: business partner relationships'
@ObjectModel.usageType: { serviceQuality: #B, sizeCategory: #L, dataClass: #MASTER }
// API_BUSINESS_PARTNER has no entity set for general relationships (BUR011 "has the employee
// responsible" among them): Tandem reads them here. Read-only. Authorization: the communication
// user's B_BUPA_RLT display authorization is checked by S_SERVICE on the service; the rows are
// relationship keys without personal data.
define view entity ZTANDEM_I_BPRelationship
  as select from but050
{
  key relnr    as RelationshipNumber,
  key partner1 as BusinessPartner1,
  key partner2 as BusinessPartner2,
  key date_to  as ValidityEndDate,
      date_from as ValidityStartDate,
      reltyp   as RelationshipCategory
}
