import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { InvalidPathParameterError } from '../../http/list-query';
import { Roles } from '../auth/access.decorators';
import { CUSTOMER_NUMBER, CUSTOMER_SEARCH_QUERY } from './customers-query';
import { Customer360Dto, CustomerSearchPageDto } from './customers.dto';
import { CustomersService } from './customers.service';

@ApiTags('customers')
@Controller('api/v1/customers')
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

  @Get()
  @Roles('viewer')
  @ApiOperation({ summary: 'Search customers across systems by number, name or email; one item per customer number.' })
  @CUSTOMER_SEARCH_QUERY.apiQueries()
  @ApiOkResponse({ type: CustomerSearchPageDto })
  async search(@Query() query: Record<string, unknown>): Promise<CustomerSearchPageDto> {
    return this.customers.search(CUSTOMER_SEARCH_QUERY.parse(query));
  }

  @Get(':customerNumber')
  @Roles('viewer')
  @ApiOperation({
    summary:
      'Customer 360: every system’s record side by side (owner marked), credit profiles, contacts, crosswalk links, open findings, fix-up tasks and a timeline of snapshots, changes, status events and findings.',
  })
  @ApiParam({ name: 'customerNumber', example: 'C0001' })
  @ApiOkResponse({ type: Customer360Dto })
  @ApiNotFoundResponse({ description: 'No system holds a customer with this number.' })
  async detail(@Param('customerNumber') customerNumber: string): Promise<Customer360Dto> {
    if (!CUSTOMER_NUMBER.test(customerNumber)) {
      throw new InvalidPathParameterError(
        'customerNumber',
        'must be 1 to 100 characters without control characters or /',
      );
    }
    return this.customers.detail(customerNumber);
  }
}
