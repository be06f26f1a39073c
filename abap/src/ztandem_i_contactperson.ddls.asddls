@AccessControl.authorizationCheck: #NOT_REQUIRED
@EndUserText.label: 'Tandem: contact person function, department'
@ObjectModel.usageType: { serviceQuality: #B, sizeCategory: #L, dataClass: #MASTER }
// API_BUSINESS_PARTNER's A_BPContactToFuncAndDept carries only the function and department codes;
// Outlook shows the job title and department as text, so Tandem reads the texts here (logon language
// of the communication user). Read-only.
define view entity ZTANDEM_I_ContactPerson
  as select from    but051
    left outer join tb913 on  tb913.pafkt = but051.pafkt
                          and tb913.spras = $session.system_language
    left outer join tb911 on  tb911.abtnr = but051.abtnr
                          and tb911.spras = $session.system_language
{
  key but051.relnr    as RelationshipNumber,
  key but051.partner1 as BusinessPartnerCompany,
  key but051.partner2 as BusinessPartnerPerson,
  key but051.date_to  as ValidityEndDate,
      but051.pafkt    as ContactPersonFunction,
      tb913.bez30     as ContactPersonFunctionName,
      but051.abtnr    as ContactPersonDepartment,
      tb911.bez20     as ContactPersonDepartmentName
}
